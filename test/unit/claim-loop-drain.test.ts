import { describe, expect, it } from 'vitest';
import { ClaimLoop, type NextRound } from '../../src/core/kernel/claim-loop.js';
import { ManualClock } from '../../src/core/kernel/clock.js';

/**
 * A queue of one item whose claim takes a while to commit: the shape of the dispatcher's round
 * (claim in the store, then start the work in flight) without a store.
 */
class SlowClaimLoop extends ClaimLoop {
  due = 0;
  done = 0;
  constructor(private readonly claimMs: number) {
    super(new ManualClock(0), () => 600_000, (err) => {
      throw err;
    });
  }
  protected async recover(): Promise<void> {}
  protected async round(): Promise<number> {
    if (this.due === 0) return 0;
    this.due--; // claimed: no other round can take it from here on
    await new Promise((r) => setTimeout(r, this.claimMs)); // the claim's commit
    this.track('item', async () => {
      await new Promise((r) => setTimeout(r, 5));
      this.done++;
    }, () => undefined);
    return 1;
  }
  protected next(): NextRound {
    return { idle: true, untilSlotFrees: false };
  }
}

describe('ClaimLoop.drain beside a running loop', () => {
  it('waits for the item the loop is claiming instead of returning while its claim commits', async () => {
    const loop = new SlowClaimLoop(30);
    await loop.start();
    loop.due = 1;
    loop.wake(); // the loop's round takes the item and is committing its claim…
    await new Promise((r) => setImmediate(r));
    await loop.drain(); // …while drain() looks for work
    expect(loop.done).toBe(1);
    await loop.stop();
  });
});
