import { describe, expect, it } from 'vitest';
import { Slots, type SlotAnswer } from '../../src/delivery/direct/slots.js';

/**
 * How many transactions one domain may keep waiting for its connections, on a fake clock: judged
 * by how fast its slots turn over (not by its slowest transaction), and never blamed on the
 * domain when what its waiters wait for is the process-wide total.
 */
type Granted = Extract<SlotAnswer, { release: () => void }>;

/** Answers already given, without waiting for the ones still in line. */
async function settled(answers: Promise<SlotAnswer>[]): Promise<(SlotAnswer | 'waiting')[]> {
  // Answers given from a release or a recheck reach their promise a few ticks later.
  await new Promise((resolve) => setImmediate(resolve));
  const marks = answers.map((a) => Promise.race([a, Promise.resolve('waiting' as const)]));
  return Promise.all(marks);
}

const refusedOf = (list: (SlotAnswer | 'waiting')[]) => list.filter((a) => a !== 'waiting' && 'refused' in a);

describe('Slots: how many may wait for a domain', () => {
  it('keeps healthy mail waiting when one slot is held for a minute and the other turns over in 100 ms', async () => {
    let t = 0;
    const slots = new Slots(() => 20, () => t);
    const key = 'gmail.com';
    // One large message, still under way.
    const big = (await slots.take(key, 2)) as Granted;
    // The other slot: 20 transactions of 100 ms each.
    for (let i = 0; i < 20; i++) {
      const s = (await slots.take(key, 2)) as Granted;
      t += 100;
      s.release();
    }
    t += 60_000;
    const answers: Promise<SlotAnswer>[] = [];
    for (let i = 0; i < 50; i++) answers.push(slots.take(key, 2));
    const now = await settled(answers);
    // Before: the 60 s transaction made the domain look slow: 47 of 50 refused ("held about 60 s each").
    expect(refusedOf(now)).toHaveLength(0);
    expect(now[0]).toHaveProperty('release');

    // Served in turn by the quick slot, each release weighing the line again: none is let go.
    for (let i = 0; i < 50; i++) {
      const s = (await answers[i]) as Granted;
      expect(s).toHaveProperty('release');
      t += 100;
      s.release();
    }
    expect(slots.waitersOf(key)).toBe(0);
    big.release();
  });

  it('does not refuse a domain whose waiters wait for the process-wide total, not for its own connections', async () => {
    let t = 0;
    const slots = new Slots(() => 2, () => t);
    // calm.example's transactions take 20 s: its own 2 connections serve 3 waiters in 30 s.
    const c = (await slots.take('calm.example', 2)) as Granted;
    t += 20_000;
    c.release();
    // Another domain holds every connection of the process.
    const b1 = (await slots.take('busy.example', 5)) as Granted;
    const b2 = (await slots.take('busy.example', 5)) as Granted;
    t += 60_000;
    const answers: Promise<SlotAnswer>[] = [];
    for (let i = 0; i < 10; i++) answers.push(slots.take('calm.example', 2));
    // Before: 7 of 10 refused as "calm.example is slow to take mail".
    expect(refusedOf(await settled(answers))).toHaveLength(0);
    expect(slots.waitersOf('calm.example')).toBe(10);
    // One connection comes free: calm.example takes it and still waits for the total, not for itself.
    b1.release();
    const first = (await answers[0]) as Granted;
    expect(first).toHaveProperty('release');
    t += 5_000;
    b2.release();
    // Both its own connections in use now: its line is its own, weighed by its 20 s transactions (3 in 30 s).
    expect(refusedOf(await settled(answers))).toHaveLength(5);
    expect(slots.waitersOf('calm.example')).toBe(3);
    slots.shed('done');
  });

  it('still lets go of the waiters beyond what a tarpit (every slot held long) serves in 30 s', async () => {
    let t = 0;
    const slots = new Slots(() => 20, () => t);
    await slots.take('slow.test', 2);
    await slots.take('slow.test', 2);
    t += 20_000;
    const answers: Promise<SlotAnswer>[] = [];
    for (let i = 0; i < 5; i++) answers.push(slots.take('slow.test', 2));
    const now = await settled(answers);
    // Two connections each held 20 s so far: 3 served within 30 s, the other 2 deferred.
    const refused = refusedOf(now);
    expect(refused).toHaveLength(2);
    expect((refused[0] as { reason: string }).reason).toMatch(/slow\.test is slow to take mail \(its connections are held about 20 s each\) and 3 messages already wait for one/);
    expect(slots.waitersOf('slow.test')).toBe(3);
    slots.shed('done');
  });
});
