import { ErrorCodes, MailroomError } from '../kernel/errors.js';

/** Keys remembered at most; past it the oldest go first (an attacker chooses the emails). */
const MAX_KEYS = 10_000;

/**
 * Counts failed logins per client address and per email in a sliding window; past the limit
 * further attempts are refused without checking the password, so guessing is slow.
 * In memory, per process: with several API processes each enforces its own limit.
 *
 * Memory is bounded: keys whose failures all left the window are swept once per window, and
 * at most MAX_KEYS keys are kept (a flood of made-up emails evicts the oldest, never grows
 * the map without end).
 */
export class LoginThrottle {
  private failures = new Map<string, number[]>();
  private lastSweep: number;

  constructor(
    private readonly limit = 10,
    private readonly windowMs = 15 * 60_000,
    private readonly now: () => number = Date.now,
  ) {
    this.lastSweep = now();
  }

  /** How many keys are remembered (tests check the bound). */
  get size(): number {
    return this.failures.size;
  }

  private sweep(): void {
    const now = this.now();
    if (now - this.lastSweep < this.windowMs && now >= this.lastSweep) return;
    this.lastSweep = now;
    for (const key of [...this.failures.keys()]) this.recent(key);
  }

  private recent(key: string): number[] {
    const cutoff = this.now() - this.windowMs;
    const list = (this.failures.get(key) ?? []).filter((t) => t > cutoff);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }

  check(ip: string, email: string): void {
    this.sweep();
    for (const key of [`ip:${ip}`, `email:${email.toLowerCase()}`]) {
      const list = this.recent(key);
      if (list.length >= this.limit) {
        const retryAfterSec = Math.ceil((list[0] + this.windowMs - this.now()) / 1000);
        throw new MailroomError(ErrorCodes.RATE_LIMITED, `too many failed logins; try again in ${retryAfterSec} s`, { retryAfterSec });
      }
    }
  }

  /** Records a failure; returns the most failures either key now has in the window. */
  fail(ip: string, email: string): number {
    let most = 0;
    for (const key of [`ip:${ip}`, `email:${email.toLowerCase()}`]) {
      const list = [...this.recent(key), this.now()];
      // Re-inserted at the end: Map order is then "least recently failed first".
      this.failures.delete(key);
      this.failures.set(key, list);
      most = Math.max(most, list.length);
    }
    while (this.failures.size > MAX_KEYS) this.failures.delete(this.failures.keys().next().value as string);
    return most;
  }

  /** Takes back the latest failure of both keys: an attempt counted before it was checked turned out right. */
  forgive(ip: string, email: string): void {
    for (const key of [`ip:${ip}`, `email:${email.toLowerCase()}`]) {
      const list = this.recent(key);
      list.pop();
      if (list.length) this.failures.set(key, list);
      else this.failures.delete(key);
    }
  }

  succeed(ip: string, email: string): void {
    this.failures.delete(`ip:${ip}`);
    this.failures.delete(`email:${email.toLowerCase()}`);
  }
}
