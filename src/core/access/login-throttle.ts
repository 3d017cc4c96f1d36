import { ErrorCodes, MailroomError } from '../kernel/errors.js';

/**
 * Counts failed logins per client address and per email in a sliding window; past the limit
 * further attempts are refused without checking the password, so guessing is slow.
 * In memory, per process: with several API processes each enforces its own limit.
 */
export class LoginThrottle {
  private failures = new Map<string, number[]>();

  constructor(
    private readonly limit = 10,
    private readonly windowMs = 15 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  private recent(key: string): number[] {
    const cutoff = this.now() - this.windowMs;
    const list = (this.failures.get(key) ?? []).filter((t) => t > cutoff);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }

  check(ip: string, email: string): void {
    for (const key of [`ip:${ip}`, `email:${email.toLowerCase()}`]) {
      const list = this.recent(key);
      if (list.length >= this.limit) {
        const retryAfterSec = Math.ceil((list[0] + this.windowMs - this.now()) / 1000);
        throw new MailroomError(ErrorCodes.RATE_LIMITED, `too many failed logins; try again in ${retryAfterSec} s`, { retryAfterSec });
      }
    }
  }

  fail(ip: string, email: string): void {
    for (const key of [`ip:${ip}`, `email:${email.toLowerCase()}`]) this.failures.set(key, [...this.recent(key), this.now()]);
  }

  succeed(ip: string, email: string): void {
    this.failures.delete(`ip:${ip}`);
    this.failures.delete(`email:${email.toLowerCase()}`);
  }
}
