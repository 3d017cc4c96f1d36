import type { Clock } from '../core/kernel/clock.js';
import type { ProcessPart, ProcessRecord, ProcessRepository } from '../core/processes/ports.js';
import { HEARTBEAT_INTERVAL_MS, PRUNE_AFTER_MS } from '../core/processes/processes.service.js';
import type { Logger } from '../logger.js';

/** How often a process also drops the rows of processes not seen for PRUNE_AFTER_MS: any process may, none needs to often. */
const PRUNE_EVERY_MS = 60 * 60_000;
/** How long a clean stop waits to delete its row: a database that is away must not hold the stop. */
const REMOVE_WAIT_MS = 2_000;

export interface HeartbeatDeps {
  /**
   * Writes straight to the database, not through the store's error translator: a heartbeat that
   * fails is retried at the next one and logged at debug, never reported as an outage (the
   * requests and workers that meet it say so).
   */
  repo: ProcessRepository;
  clock: Clock;
  logger: Logger;
  /** Who this process is; fixed for its life. */
  identity: Omit<ProcessRecord, 'runs' | 'lastSeenAt'>;
  /** What it runs right now (workers start after the first beat, tests start some later). */
  runs(): ProcessPart[];
  intervalMs?: number;
}

/**
 * This process's row in `processes`: written by start(), refreshed every HEARTBEAT_INTERVAL_MS
 * (one upsert) and by beat() when what it runs changed, deleted by stop(). Beats run one at a
 * time; a beat asked for while one waits joins it. Never throws, and its timer never keeps the
 * process alive.
 */
export class ProcessHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  /** The beat running now, and the one waiting behind it (which later callers join). */
  private running: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;
  private failing = false;
  private lastPrune = -Infinity;

  constructor(private readonly deps: HeartbeatDeps) {}

  get id(): string {
    return this.deps.identity.id;
  }

  /** The first beat (awaited: the process is listed once its start returns), then the timer. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.beat();
  }

  /** Records the process now (and what it runs); resolves once written or failed. */
  beat(): Promise<void> {
    if (this.queued) return this.queued;
    const next = this.running.then(async () => {
      this.queued = undefined;
      await this.write();
    });
    this.queued = next;
    this.running = next;
    return next;
  }

  /** Stops the timer, lets a beat in flight end, and deletes the row (a killed process's stays, shown as gone). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    // After the beat in flight: else it could write the row again after the delete.
    const removed = this.running
      .then(() => this.deps.repo.remove(this.id))
      .catch((err: unknown) => this.deps.logger.debug({ err }, 'process heartbeat: could not delete this process from the list at its stop; it shows as gone'));
    let wait: NodeJS.Timeout | undefined;
    await Promise.race([removed, new Promise((r) => (wait = setTimeout(r, REMOVE_WAIT_MS)))]);
    clearTimeout(wait);
  }

  private async write(): Promise<void> {
    if (this.stopped) return;
    const { repo, clock, logger, identity } = this.deps;
    const now = clock.now();
    try {
      await repo.beat({ ...identity, runs: this.deps.runs(), lastSeenAt: now });
      if (now - this.lastPrune >= PRUNE_EVERY_MS) {
        this.lastPrune = now;
        const pruned = await repo.prune(now - PRUNE_AFTER_MS);
        if (pruned) logger.debug({ pruned }, 'process heartbeat: dropped processes not seen for a day');
      }
      if (this.failing) logger.debug('process heartbeat: recorded again');
      this.failing = false;
    } catch (err) {
      // The database may be away: the store's outage handling says so elsewhere; try again next time.
      if (!this.failing) logger.debug({ err }, 'process heartbeat: could not record this process; trying again at the next beat');
      this.failing = true;
    } finally {
      this.schedule();
    }
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.beat(), this.deps.intervalMs ?? HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
  }
}
