/**
 * Group commit: concurrent callers share one transaction, hence one fsync. The first job of
 * a batch waits at most `maxWaitMs` (or until `maxBatch` jobs are queued); jobs arriving
 * during a flush form the next batch. Each caller's promise settles only after the COMMIT
 * returns, so "202 Accepted" still means "on disk".
 *
 * Jobs must only touch the store through the repositories they are given (they may run
 * twice: if one job of a batch fails, the batch rolls back and every job is re-run alone, so
 * one bad job cannot fail its neighbours).
 */
export interface GroupCommitOptions {
  /** At most this many jobs per transaction. */
  maxBatch: number;
  /**
   * How long the first job of a batch waits for company. better-sqlite3 commits synchronously
   * (the event loop stands still during the fsync), so without a short window a batch would
   * only ever hold the jobs of one event-loop turn.
   */
  maxWaitMs: number;
  /**
   * How many batches may commit at once. SQLite has one writer: 1. PostgreSQL commits
   * concurrent transactions in parallel (and shares their WAL flushes itself), while one
   * batch spends most of its time waiting on round trips: several lanes keep it busy.
   */
  lanes?: number;
  /**
   * A batch failure that would fail every job alone as well (the database is away): the jobs
   * get that error at once instead of being re-run one by one.
   */
  failsEveryJob?: (err: unknown) => boolean;
  /**
   * Run a batch's jobs concurrently on its transaction instead of one after the other, so that
   * repositories can merge their statements (PostgreSQL: pg-batched-writes.ts). The batch
   * fails with the first error that occurred (later ones are usually its consequences, such
   * as PostgreSQL's "current transaction is aborted"), after every job has settled.
   */
  concurrent?: boolean;
  /**
   * With no batch committing, start one at once (after the current turn of the event loop)
   * instead of waiting `maxWaitMs` for company. Meant for a runner whose commit leaves the
   * event loop free (PostgreSQL; SQLite with wal-sync.ts) and several lanes, so that the next
   * batch gathers while this one commits.
   */
  commitAtOnceWhenIdle?: boolean;
}

interface Job<R> {
  fn: (repos: R) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export class GroupCommit<R> {
  private queue: Job<R>[] = [];
  /** Batches committing right now (at most opts.lanes). */
  private active = 0;
  private scheduled = false;
  /** Flushes and jobs committed, for metrics and the benchmark. */
  readonly stats = { batches: 0, jobs: 0 };

  constructor(
    private readonly transaction: <T>(fn: (repos: R) => Promise<T>) => Promise<T>,
    private readonly opts: GroupCommitOptions = { maxBatch: 500, maxWaitMs: 2 },
  ) {}

  run<T>(fn: (repos: R) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  private timer: NodeJS.Timeout | null = null;

  private get lanes(): number {
    return this.opts.lanes ?? 1;
  }

  private schedule(): void {
    if (this.active >= this.lanes) return;
    if (this.queue.length >= this.opts.maxBatch) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.scheduled = false;
      void this.flush();
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    const go = () => {
      this.timer = null;
      this.scheduled = false;
      void this.flush();
    };
    // Nothing committing: commit what this turn of the event loop brought, at once (a lone
    // request, or lock-step SMTP sessions, must not wait for company that is not coming).
    // Another batch committing: company is arriving meanwhile; let it gather a moment.
    if (this.active === 0 && this.opts.commitAtOnceWhenIdle) setImmediate(go);
    else this.timer = setTimeout(go, this.opts.maxWaitMs);
  }

  private async flush(): Promise<void> {
    if (this.active >= this.lanes || this.queue.length === 0) return;
    this.active++;
    const batch = this.queue.splice(0, this.opts.maxBatch);
    try {
      const results: unknown[] = [];
      try {
        await this.transaction(async (repos) => {
          results.length = 0;
          if (!this.opts.concurrent) {
            for (const job of batch) results.push(await job.fn(repos));
            return;
          }
          const failures: unknown[] = [];
          const settled = await Promise.allSettled(
            batch.map(async (job) => {
              try {
                return await job.fn(repos);
              } catch (err) {
                failures.push(err);
                throw err;
              }
            }),
          );
          if (failures.length) throw failures[0];
          for (const s of settled) results.push((s as PromiseFulfilledResult<unknown>).value);
        });
        this.stats.batches++;
        this.stats.jobs += batch.length;
        batch.forEach((job, i) => job.resolve(results[i]));
      } catch (err) {
        if (this.opts.failsEveryJob?.(err)) {
          for (const job of batch) job.reject(err);
        } else if (batch.length === 1) {
          // Run it again alone to hand the caller its own error with nothing left half-done.
          await this.runAlone(batch[0]);
        } else {
          for (const job of batch) await this.runAlone(job);
        }
      }
    } finally {
      this.active--;
      if (this.queue.length) this.schedule();
    }
  }

  private async runAlone(job: Job<R>): Promise<void> {
    try {
      job.resolve(await this.transaction((repos) => job.fn(repos)));
      this.stats.batches++;
      this.stats.jobs++;
    } catch (err) {
      job.reject(err);
    }
  }
}
