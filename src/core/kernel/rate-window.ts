import { ErrorCodes, MailroomError } from './errors.js';

/**
 * A sliding-window counter per key (e.g. per principal). In memory, per process: it slows
 * a caller down (diagnostics are a connect-anywhere primitive worth slowing), it is not a
 * billing-grade quota.
 */
export class RateWindow {
  private hits = new Map<string, number[]>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly what = 'requests',
  ) {}

  /** Counts one use by `key`, or throws RATE_LIMITED (with retryAfterSec) past the limit. */
  take(key: string): void {
    const t = this.now();
    const recent = (this.hits.get(key) ?? []).filter((x) => x > t - this.windowMs);
    if (recent.length >= this.limit) {
      this.hits.set(key, recent);
      const retryAfterSec = Math.max(1, Math.ceil((recent[0] + this.windowMs - t) / 1000));
      throw new MailroomError(
        ErrorCodes.RATE_LIMITED,
        `too many ${this.what}: at most ${this.limit} per ${Math.round(this.windowMs / 1000)} s; try again in ${retryAfterSec} s`,
        { retryAfterSec, limit: this.limit },
      );
    }
    recent.push(t);
    this.hits.set(key, recent);
  }
}
