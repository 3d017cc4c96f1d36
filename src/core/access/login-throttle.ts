import { createHash } from 'node:crypto';
import { ErrorCodes, MailroomError } from '../kernel/errors.js';
import type { Store } from '../ports.js';
import { parseIp } from '../probes/network-policy.js';

export const LOGIN_FAILURE_LIMIT = 10;
export const LOGIN_WINDOW_MS = 15 * 60_000;
/** How often a process drops rows whose failures have all left the window. */
const PRUNE_EVERY_MS = 60_000;

/** An attempt counted by `begin`, to hand back to `succeeded` when the password was right. */
export interface LoginAttempt {
  clientKey: string;
  emailKey: string;
  at: number;
  /** Failures in the window counting this one (the larger of the client's and the name's). */
  failures: number;
}

/**
 * The client a login comes from. An IPv6 client usually holds a whole /64 (one address per
 * device, privacy addresses that change daily), so it is counted by its /64; an IPv4-mapped
 * address is the IPv4 client it maps.
 */
export function loginClientKey(ip: string): string {
  const parsed = parseIp(ip);
  if (!parsed) return `ip:${ip.slice(0, 64)}`;
  const b = parsed.bytes;
  if (parsed.version === 4) return `ip:${b.join('.')}`;
  if (b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return `ip:${b.slice(12).join('.')}`;
  const groups = [0, 2, 4, 6].map((i) => ((b[i] << 8) | b[i + 1]).toString(16));
  return `ip:${groups.join(':')}::/64`;
}

/**
 * The row that counts the failures of one login name (an email, a relay username). Only a
 * digest of what was typed is stored: a person who typed their password into the name field
 * must not find it in the database for the next quarter of an hour. The same name, in any
 * case, gives the same row.
 */
export function loginNameKey(name: string): string {
  return `name:${createHash('sha256').update(name.toLowerCase()).digest('hex')}`;
}

/**
 * Counts failed logins per client and per email in a sliding window; past the limit further
 * attempts are refused (429) before the password is looked at, so guessing is slow.
 *
 * The counts live in the store, shared by every process on the database: N processes do not
 * give N times the attempts. An attempt is counted as a failure *before* the password is
 * checked, in one transaction that locks both rows, so parallel guesses cannot all pass the
 * check first; a right password then takes its own count back from the client and clears
 * the email's failures. It never clears the client's: one valid account must not buy a
 * client more guesses at other accounts.
 *
 * Bounded: a row holds at most `limit` times, a refused attempt writes nothing, and rows
 * whose failures have all left the window are deleted (once a minute, by the next attempt).
 */
export class LoginThrottle {
  private lastPrune = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
    readonly limit = LOGIN_FAILURE_LIMIT,
    readonly windowMs = LOGIN_WINDOW_MS,
    /** Keeps separate counts for separate doors (admin logins, relay AUTH) in the same table. */
    private readonly scope = '',
  ) {}

  /** Counts this attempt against the client and the email (or username), or throws RATE_LIMITED. */
  async begin(ip: string, email: string): Promise<LoginAttempt> {
    const at = this.now();
    await this.prune(at);
    const attempt: LoginAttempt = { clientKey: this.scope + loginClientKey(ip), emailKey: this.scope + loginNameKey(email), at, failures: 1 };
    // Always the same order (email:… before ip:…), so two attempts never wait on each other crosswise.
    const keys = [attempt.clientKey, attempt.emailKey].sort();
    return this.store.transaction(async (repos) => {
      const lists = new Map<string, number[]>();
      for (const key of keys) lists.set(key, this.inWindow(await repos.loginThrottle.lock(key, at), at));
      for (const list of lists.values()) {
        // Refusing rolls the transaction back: a 429 records nothing and extends nothing.
        if (list.length >= this.limit) throw this.refusal(list[0], at);
      }
      for (const [key, list] of lists) await repos.loginThrottle.save(key, [...list, at].sort((a, b) => a - b), at);
      attempt.failures = 1 + Math.max(...[...lists.values()].map((l) => l.length));
      return attempt;
    });
  }

  /** The password was right: the email's failures go, and the client gets this attempt back. */
  async succeeded(attempt: LoginAttempt): Promise<void> {
    await this.store.transaction(async (repos) => {
      await repos.loginThrottle.remove(attempt.emailKey);
      const now = this.now();
      const list = this.inWindow(await repos.loginThrottle.lock(attempt.clientKey, now), now);
      const mine = list.indexOf(attempt.at);
      if (mine >= 0) list.splice(mine, 1);
      if (list.length) await repos.loginThrottle.save(attempt.clientKey, list, now);
      else await repos.loginThrottle.remove(attempt.clientKey);
    });
  }

  private inWindow(list: number[], now: number): number[] {
    return list.filter((t) => t > now - this.windowMs);
  }

  private refusal(oldest: number, now: number): MailroomError {
    const retryAfterSec = Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000));
    return new MailroomError(ErrorCodes.RATE_LIMITED, `too many failed logins; try again in ${retryAfterSec} s`, { retryAfterSec });
  }

  private async prune(now: number): Promise<void> {
    // A clock that stepped back prunes too (as on the first attempt of a process).
    if (now - this.lastPrune < PRUNE_EVERY_MS && now >= this.lastPrune) return;
    this.lastPrune = now;
    await this.store.repos.loginThrottle.prune(now - this.windowMs);
  }
}
