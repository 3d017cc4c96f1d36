import type { Clock } from '../kernel/clock.js';
import type { QueueStats } from './ports.js';

/** A count slower than this means a deep queue: from then on readers share counts. */
const SLOW_COUNT_MS = 50;
/** A slow count is reused for this many times its own duration (so counting costs the database at most 1/20 of a connection)… */
const REUSE_FACTOR = 20;
/** …and never for longer than this. */
const MAX_REUSE_MS = 30_000;

export interface QueueCount {
  /** When the count started (the server's clock): what it shows was true then. */
  at: number;
  stats: QueueStats;
  /** How long counting took. */
  tookMs: number;
}

/**
 * The outbox's counts for the log's status strip and the metrics gauges. Counting is a pass over
 * the queue's index: about a millisecond at a few thousand messages, close to a second at a
 * million. While counts are fast every reader gets a fresh one. Once a count is slow, readers
 * share it: a finished one is reused for twenty times its duration (at most 30 s), so browsers
 * polling the strip and Prometheus scrapes cost the database a bounded share of one connection
 * however many there are. The first reader after that starts a new count and, like everyone
 * until it is done, is answered at once with the one before, as long as that is not older than
 * twice its reuse time: a reader polling a deep queue never waits for a count (the first reader
 * ever, and one after a long quiet spell, does). `at` says when the count answered was taken.
 */
export class QueueCounts {
  private last: QueueCount | null = null;
  private counting: Promise<QueueCount> | null = null;

  constructor(
    private readonly count: (now: number) => Promise<QueueStats>,
    private readonly clock: Clock,
  ) {}

  get(): Promise<QueueCount> {
    const now = this.clock.now();
    const last = this.last;
    if (!last || last.tookMs < SLOW_COUNT_MS) return this.fresh(now);
    const reuseMs = Math.min(MAX_REUSE_MS, last.tookMs * REUSE_FACTOR);
    const age = now - last.at;
    if (age >= 0 && age < reuseMs) return Promise.resolve(last);
    const counting = this.counting ?? this.recount(now);
    return age >= 0 && age < 2 * reuseMs ? Promise.resolve(last) : counting;
  }

  /** One shared count; a failure reaches the readers waiting for it, and the next reader counts again. */
  private recount(now: number): Promise<QueueCount> {
    const counting = this.fresh(now);
    this.counting = counting;
    const done = () => {
      if (this.counting === counting) this.counting = null;
    };
    counting.then(done, done);
    return counting;
  }

  private async fresh(now: number): Promise<QueueCount> {
    const stats = await this.count(now);
    const counted: QueueCount = { at: now, stats, tookMs: Math.max(0, this.clock.now() - now) };
    if (!this.last || this.last.at <= now) this.last = counted;
    return counted;
  }
}
