import { counted } from '../kernel/counted.js';
import { spokenInstant } from '../kernel/instants.js';

/**
 * How fast Mailroom may go to one destination domain: a per-minute limit (the big mailbox
 * providers throttle senders) and a backoff when the domain defers repeatedly (a domain that
 * answers 4xx three times in a row is not helped by a fourth connection a second later).
 * In memory, per process: it paces this process's connections, as Postfix's per-destination
 * limits do; it is not a quota shared between processes.
 */
export interface PacingVerdict {
  allowed: boolean;
  /** When not allowed: the earliest time to try again. */
  retryAt?: number;
  reason?: string;
}

/** Consecutive deferrals after which a domain is held back; the hold doubles each time. */
export const BACKOFF_AFTER = 3;
export const BACKOFF_FIRST_MS = 60_000;
export const BACKOFF_MAX_MS = 30 * 60_000;

interface DomainState {
  sent: number[];
  deferrals: number;
  holdUntil: number;
}

export class DomainPacing {
  private domains = new Map<string, DomainState>();

  constructor(private readonly now: () => number) {}

  private state(domain: string): DomainState {
    let s = this.domains.get(domain);
    if (!s) this.domains.set(domain, (s = { sent: [], deferrals: 0, holdUntil: 0 }));
    return s;
  }

  /** May a transaction to `domain` start now? Counts it when it may. */
  take(domain: string, perMinute: number | null): PacingVerdict {
    const t = this.now();
    const s = this.state(domain);
    if (s.holdUntil > t) {
      return { allowed: false, retryAt: s.holdUntil, reason: `${domain} deferred ${s.deferrals} attempts in a row: Mailroom holds back until ${spokenInstant(s.holdUntil)}` };
    }
    if (perMinute !== null) {
      s.sent = s.sent.filter((x) => x > t - 60_000);
      if (s.sent.length >= perMinute) {
        return { allowed: false, retryAt: s.sent[0] + 60_000, reason: `${domain} reached this server's limit of ${counted(perMinute, 'message')} per minute` };
      }
      s.sent.push(t);
    }
    return { allowed: true };
  }

  /** What the domain answered: a deferral counts toward the backoff, anything else ends it. */
  record(domain: string, deferred: boolean): void {
    const s = this.state(domain);
    if (!deferred) {
      s.deferrals = 0;
      s.holdUntil = 0;
      return;
    }
    s.deferrals++;
    if (s.deferrals >= BACKOFF_AFTER) {
      const ms = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (s.deferrals - BACKOFF_AFTER));
      s.holdUntil = this.now() + ms;
    }
  }
}
