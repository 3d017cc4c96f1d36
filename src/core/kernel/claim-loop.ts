import type { Clock } from './clock.js';
import { isStoreUnavailable } from './errors.js';

/** While the store is unavailable, a round is tried again after this pause. */
export const STORE_AWAY_PAUSE_MS = 1_000;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * What the loop does after a round: go again after `pauseMs` (0: at once), or idle until woken,
 * polled or (if asked) a slot frees, then let more work gather for `gatherMs`.
 */
export type NextRound = { pauseMs: number } | { idle: true; untilSlotFrees: boolean; gatherMs?: number };

/**
 * The loop the queue workers share (the outbox dispatcher, the webhook runner): a round claims
 * due work under a lease and starts it in flight; between rounds the loop sleeps until it is
 * woken (work committed in this process), polled (other processes' work, retries coming due)
 * or a slot frees. A round that fails with the store away marks the claims in doubt (a claim
 * may have committed while its answer was lost) and waits for the store instead of polling a
 * dead database. Subclasses say how to recover, what a round is and what comes next.
 */
export abstract class ClaimLoop {
  protected running = false;
  /** stop() has begun (and no start() since): work not yet started should be let go (lettingGo). */
  protected stopping = false;
  private loop: Promise<void> | null = null;
  protected readonly inFlight = new Set<Promise<void>>();
  /** Ids of the work in flight (their leases are this worker's to keep). */
  protected readonly inFlightIds = new Set<string>();
  /** A claim failed with the store away: its commit may have gone through unanswered. */
  protected claimsInDoubt = false;
  private wakeUp: (() => void) | null = null;
  /** A wake-up that arrived during a round: the next wait must not sleep through it. */
  private wakeRequested = false;
  /** The round running now (the loop's or drain()'s): rounds never overlap. */
  private roundRunning: Promise<unknown> = Promise.resolve();
  /** Ends the pause between two rounds now (see cutPause). */
  private endPause: (() => void) | null = null;
  /** Set while the loop waits for a slot: ends that wait (see slotFreed). */
  private slotWaiter: (() => void) | null = null;

  constructor(
    protected readonly clock: Clock,
    private readonly pollMs: () => number,
    private readonly onRoundError: (err: unknown) => void,
  ) {}

  /** Before the first round: take back what a dead process left claimed (SQLite: everything). */
  protected abstract recover(): Promise<void>;
  /** Claims and starts what is due; returns how much it started. */
  protected abstract round(): Promise<number>;
  /** What follows a round that started `started`. */
  protected abstract next(started: number): NextRound;

  /** `loop: false` recovers claims but leaves the rounds to drain() (tests driving a manual clock). */
  async start(opts: { loop?: boolean } = {}): Promise<void> {
    if (this.running) return;
    this.stopping = false;
    await this.recover();
    if (opts.loop === false) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops claiming and lets the work in flight finish and record its outcome. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    this.wake();
    this.cutPause();
    await this.loop;
    this.lettingGo();
    await Promise.allSettled([...this.inFlight]);
  }

  /** While stopping, once no round will claim any more: a subclass may let go of work not yet started. */
  protected lettingGo(): void {}

  /** How long an idle wait lasts at most (the poll interval, unless a subclass must look sooner). */
  protected idleWaitMs(): number {
    return this.pollMs();
  }

  /** Looks for work now instead of at the next poll. */
  wake(): void {
    this.wakeRequested = true;
    this.wakeUp?.();
  }

  /**
   * Ends a pause between rounds (`{ pauseMs }`) now: for work that must not wait for the batch
   * gathering behind it (the dispatcher: an urgent message accepted meanwhile).
   */
  protected cutPause(): void {
    this.endPause?.();
  }

  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const end = () => {
        clearTimeout(timer);
        this.endPause = null;
        resolve();
      };
      const timer = setTimeout(end, ms);
      this.endPause = end;
    });
  }

  /**
   * Runs one round once the one running now has finished. A drain() beside a running loop would
   * otherwise see nothing due and nothing in flight while the loop's claim of the same message
   * is still committing, and return before that message's outcome.
   */
  private exclusiveRound(): Promise<number> {
    const mine = this.roundRunning.then(() => this.round());
    this.roundRunning = mine.catch(() => undefined);
    return mine;
  }

  /** Runs rounds until nothing is due and nothing is in flight (tests with a manual clock). */
  async drain(): Promise<void> {
    for (;;) {
      const started = await this.exclusiveRound();
      await Promise.allSettled([...this.inFlight]);
      if (started === 0 && this.inFlight.size === 0) return;
    }
  }

  /**
   * A slot is free again: a loop waiting for one claims at once. Called when an item's work
   * ends, and by subclasses whose items give their slot back before that (the dispatcher: once
   * the attempt is over, while its outcome is still being recorded).
   */
  protected slotFreed(): void {
    const waiter = this.slotWaiter;
    this.slotWaiter = null;
    waiter?.();
  }

  /** Runs `work` for the claimed item `id` in flight; a failure is reported, and a store outage puts the claims in doubt. */
  protected track(id: string, work: () => Promise<void>, onFailure: (err: unknown) => void): void {
    this.inFlightIds.add(id);
    const p = work()
      .catch((err) => {
        // Back to the queue once the store answers again (the next round), not only when the lease ends.
        if (isStoreUnavailable(err)) this.claimsInDoubt = true;
        onFailure(err);
      })
      .finally(() => {
        this.inFlight.delete(p);
        this.inFlightIds.delete(id);
        this.slotFreed();
      });
    this.inFlight.add(p);
  }

  /**
   * Runs a store operation for a claimed item again while the store is unavailable, as long as
   * this worker runs and the item's lease lasts (past it another worker may take it over, so
   * the lease decides, not this loop).
   */
  protected untilStoreAnswers<T>(leaseUntil: number | null, fn: () => Promise<T>): Promise<T> {
    return this.againWhileStoreAway(fn, (pause) => this.running && (leaseUntil ?? 0) - this.clock.now() > pause);
  }

  /**
   * Runs a write that checks the item's lease itself (it changes nothing unless this worker
   * still holds the lease) again while the store is unavailable, until this worker stops:
   * the outcome of work that happened is kept until the store takes it. Giving up at the lease
   * known at claim time threw away outcomes of messages whose lease had been renewed since, and
   * they went back to the queue unflagged and were sent again.
   */
  protected untilStoreTakes<T>(fn: () => Promise<T>): Promise<T> {
    return this.againWhileStoreAway(fn, () => !this.stopping);
  }

  private async againWhileStoreAway<T>(fn: () => Promise<T>, mayWait: (pause: number) => boolean): Promise<T> {
    let pause = 250;
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        if (!isStoreUnavailable(err) || !mayWait(pause)) throw err;
        await sleep(pause);
        pause = Math.min(pause * 2, STORE_AWAY_PAUSE_MS * 5);
      }
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      let started = 0;
      // Whatever is committed from here on is seen by this round or wakes the wait below.
      this.wakeRequested = false;
      try {
        started = await this.exclusiveRound();
      } catch (err) {
        // The store logs its outages once; here only wait for it instead of polling a dead database.
        if (isStoreUnavailable(err)) {
          this.claimsInDoubt = true;
          await sleep(STORE_AWAY_PAUSE_MS);
        } else this.onRoundError(err);
      }
      if (!this.running) break;
      const next = this.next(started);
      if ('pauseMs' in next) {
        if (next.pauseMs > 0) await this.pause(next.pauseMs);
        continue;
      }
      await new Promise<void>((resolve) => {
        if (this.wakeRequested) return resolve();
        const timer = setTimeout(resolve, this.idleWaitMs());
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
        // A freed slot: claim again right away. (Not a race over the promises in flight: with
        // hundreds in flight, each wait attached a handler to every one of them.)
        if (next.untilSlotFrees && this.inFlight.size) this.slotWaiter = this.wakeUp;
      });
      this.wakeUp = null;
      this.slotWaiter = null;
      if (next.gatherMs && this.running) await sleep(next.gatherMs);
    }
  }
}
