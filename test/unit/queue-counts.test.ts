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

  it('shares a slow count: readers during it wait for it, readers after it reuse it for 20 times its duration', async () => {
    const s = fakeStore(900);
    const first = s.queue.get();
    s.finishAll();
    const counted = await first;
    expect(counted).toMatchObject({ stats: { queued: 1 }, tookMs: 900 });
    // Within 20 × 900 ms of when it started: the same count, no query.
    s.advance(10_000);
    expect(await s.queue.get()).toBe(counted);
    expect(s.counts()).toBe(1);
    // Past it: one new count for every reader that arrives while it runs.
    s.advance(10_000);
    const a = s.queue.get();
    const b = s.queue.get();
    expect(s.counts()).toBe(2);
    s.finishAll();
    expect((await a).stats.queued).toBe(2);
    expect(await b).toBe(await a);
  });

  it('never reuses a slow count for more than 30 s', async () => {
    const s = fakeStore(5_000);
    const first = s.queue.get();
    s.finishAll();
    await first;
    s.advance(31_000);
    const next = s.queue.get();
    expect(s.counts()).toBe(2);
    s.finishAll();
    expect((await next).stats.queued).toBe(2);
  });

  it('a failed count is not kept: the next reader counts again', async () => {
    let t = 0;
    let calls = 0;
    const q = new QueueCounts(async () => {
      calls++;
      t += 1_000;
      if (calls === 2) throw new Error('store unavailable');
      return { queued: calls, deferred: 0, sending: 0, oldestDueAt: null };
    }, { now: () => t });
    await q.get();
    t += 25_000;
    await expect(q.get()).rejects.toThrow('store unavailable');
    expect((await q.get()).stats.queued).toBe(3);
  });
});
