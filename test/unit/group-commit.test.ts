import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../src/store/group-commit.js';

/** A fake transaction runner that records how many transactions overlap and what each held. */
function runner(commitMs: number) {
  const seen = { maxOverlap: 0, open: 0, transactions: [] as number[][] };
  const transaction = async <T>(fn: (repos: number[]) => Promise<T>): Promise<T> => {
    const held: number[] = [];
    seen.open++;
    seen.maxOverlap = Math.max(seen.maxOverlap, seen.open);
    try {
      const result = await fn(held);
      await new Promise((r) => setTimeout(r, commitMs));
      seen.transactions.push(held);
      return result;
    } finally {
      seen.open--;
    }
  };
  return { seen, transaction };
}

describe('GroupCommit', () => {
  it('shares one transaction between concurrent callers and answers each with its own result', async () => {
    const { seen, transaction } = runner(5);
    const group = new GroupCommit(transaction, { maxBatch: 100, maxWaitMs: 2 });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => group.run(async (held) => (held.push(i), i * 10))));
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i * 10));
    expect(seen.transactions).toEqual([Array.from({ length: 20 }, (_, i) => i)]);
  });

  it('commits one batch at a time with one lane, several at once with more lanes', async () => {
    for (const lanes of [1, 3]) {
      const { seen, transaction } = runner(20);
      const group = new GroupCommit(transaction, { maxBatch: 5, maxWaitMs: 1, lanes });
      await Promise.all(Array.from({ length: 30 }, (_, i) => group.run(async (held) => held.push(i))));
      expect(seen.maxOverlap, `lanes ${lanes}`).toBe(lanes);
      expect(seen.transactions.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
      expect(Math.max(...seen.transactions.map((t) => t.length))).toBeLessThanOrEqual(5);
    }
  });

  it('does not fail a job because its neighbour in the batch failed', async () => {
    const { transaction } = runner(1);
    const group = new GroupCommit(transaction, { maxBatch: 100, maxWaitMs: 2, lanes: 2 });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        group.run(async () => {
          if (i === 3) throw new Error('job 3 is bad');
          return i;
        }),
      ),
    );
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual([0, 1, 2, 'job 3 is bad', 4, 5]);
  });

  it('concurrent: runs a batch\'s jobs side by side, and a failure fails only its own job', async () => {
    const { seen, transaction } = runner(1);
    const group = new GroupCommit(transaction, { maxBatch: 100, maxWaitMs: 2, concurrent: true });
    let running = 0;
    let maxRunning = 0;
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        group.run(async (held) => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          await new Promise((r) => setImmediate(r));
          running--;
          if (i === 5) throw new Error('job 5 is bad');
          held.push(i);
          return i;
        }),
      ),
    );
    // All eight were in the first transaction at once; it failed, so each ran again alone.
    expect(maxRunning).toBe(8);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual([0, 1, 2, 3, 4, 'job 5 is bad', 6, 7]);
    expect(seen.transactions.flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 6, 7]);
  });
});
