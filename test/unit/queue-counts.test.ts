import { describe, expect, it } from 'vitest';
import type { QueueStats } from '../../src/core/outbox/ports.js';
import { QueueCounts } from '../../src/core/outbox/queue-counts.js';

/** A counter whose every count takes `tookMs` on a hand-moved clock, finishing when the test says. */
function fakeStore(tookMs: number) {
  let t = 1_000_000;
  const clock = { now: () => t };
  let counts = 0;
  const waiting: (() => void)[] = [];
  const count = (): Promise<QueueStats> => {
    const n = ++counts;
    return new Promise((resolve) =>
      waiting.push(() => {
        t += tookMs;
        resolve({ queued: n, deferred: 0, sending: 0, oldestDueAt: null });
      }),
    );
  };
  return {
    counts: () => counts,
    advance: (ms: number) => void (t += ms),
    finishAll: () => waiting.splice(0).forEach((f) => f()),
    queue: new QueueCounts(count, clock),
  };
}

/** Counts that take 1 s each on a hand-moved clock, the second one failing as a store away would. */
function secondCountFails() {
  let t = 0;
  let calls = 0;
  const q = new QueueCounts(async () => {
    calls++;
    t += 1_000;
    if (calls === 2) throw new Error('store unavailable');
    return { queued: calls, deferred: 0, sending: 0, oldestDueAt: null };
  }, { now: () => t });
  return { q, advance: (ms: number) => void (t += ms), calls: () => calls };
}

describe('the outbox counts (status strip and metrics)', () => {
  it('counts afresh for every reader while counting is fast (a small queue: every change shows at once)', async () => {
    const s = fakeStore(2);
    const first = s.queue.get();
    const second = s.queue.get();
    s.finishAll();
    expect((await first).stats.queued).toBe(1);
    expect((await second).stats.queued).toBe(2);
    const third = s.queue.get();
    s.finishAll();
    expect((await third).stats.queued).toBe(3);
    expect(s.counts()).toBe(3);
  });

  it('shares a slow count: reused for 20 times its duration, then answered at once while one new count runs', async () => {
    const s = fakeStore(900);
    const first = s.queue.get();
    s.finishAll();
    const counted = await first;
    expect(counted).toMatchObject({ stats: { queued: 1 }, tookMs: 900 });
    // Within 20 × 900 ms of when it started: the same count, no query.
    s.advance(10_000);
    expect(await s.queue.get()).toBe(counted);
    expect(s.counts()).toBe(1);
    // Past it: one new count starts, and every reader meanwhile gets the last one at once.
    s.advance(10_000);
    expect(await s.queue.get()).toBe(counted);
    expect(await s.queue.get()).toBe(counted);
    expect(s.counts()).toBe(2);
    s.finishAll();
    await new Promise((r) => setImmediate(r));
    const next = await s.queue.get();
    expect(next.stats.queued).toBe(2);
    expect(s.counts()).toBe(2);
  });

  it('never reuses a slow count for more than 30 s without counting again, nor answers with one older than twice that', async () => {
    const s = fakeStore(5_000);
    const first = s.queue.get();
    s.finishAll();
    const counted = await first;
    s.advance(31_000);
    expect(await s.queue.get()).toBe(counted);
    expect(s.counts()).toBe(2);
    s.finishAll();
    await new Promise((r) => setImmediate(r));
    // A long quiet spell: the last count is too old to show, the reader waits for a new one.
    s.advance(70_000);
    const late = s.queue.get();
    expect(s.counts()).toBe(3);
    s.finishAll();
    expect((await late).stats.queued).toBe(3);
  });

  it('a failed count is not kept: a reader waiting for it is told, the next reader counts again', async () => {
    const { q, advance } = secondCountFails();
    await q.get();
    advance(45_000);
    await expect(q.get()).rejects.toThrow('store unavailable');
    expect((await q.get()).stats.queued).toBe(3);
  });

  it('a failed count in the background leaves the last one answering, and the next reader past it counts again', async () => {
    const { q, advance, calls } = secondCountFails();
    const first = await q.get();
    advance(25_000);
    expect(await q.get()).toBe(first);
    await new Promise((r) => setImmediate(r));
    expect(calls()).toBe(2);
    expect(await q.get()).toBe(first);
    await new Promise((r) => setImmediate(r));
    expect(calls()).toBe(3);
    expect((await q.get()).stats.queued).toBe(3);
  });
});
