/**
 * Connections at once, per key (a destination domain) and in all: a transaction waits for a
 * free slot rather than opening one connection too many (per-domain concurrency, as Postfix's
 * destination concurrency limit). Slots are released in the order they were asked for.
 *
 * Each waiter holds one of the outbox's in-flight slots while it waits, so the wait is bounded
 * per key: a domain may have only as many waiters as it can serve within MAX_EXPECTED_WAIT_MS,
 * judged by how fast its slots turn over: each slot in use is expected to be held for the
 * domain's average (weighted toward recent transactions), or for its own age when it is older,
 * and the domain serves the sum of its slots' rates. One long transaction (a 20 MB message, one
 * stuck exchanger) slows only its own slot, not the estimate for the others. A tarpit that keeps
 * every connection for its whole timeout gets a few waiters; a healthy domain answering in
 * milliseconds, hundreds. The waiters beyond that are let go (take() answers "busy") and their
 * message is deferred, so a slow destination cannot hold every in-flight slot while mail to other
 * domains stays queued. A domain whose own connections are not all in use waits only for the
 * process-wide total: that says nothing of the domain, and its waiters are never let go for it.
 */
export const MAX_EXPECTED_WAIT_MS = 30_000;

/** How often waiters are weighed again while no slot of their domain is released (a tarpit releases only at its timeout). */
const RECHECK_MS = 1_000;

/** Why a slot was not given: the domain has too many waiters already, or the process is stopping (shed). */
export interface SlotRefusal {
  refused: 'busy' | 'shed';
  reason: string;
}

export type SlotAnswer = { release: () => void } | SlotRefusal;

interface Waiter {
  key: string;
  limit: number;
  go: (answer: SlotAnswer) => void;
}

export class Slots {
  private used = new Map<string, number>();
  private total = 0;
  private waiting: Waiter[] = [];
  /** Per key: when each slot now held was taken. */
  private held = new Map<string, Set<{ since: number }>>();
  /** Per key: how long a slot is held, on average (weighted toward the recent ones). */
  private holdMs = new Map<string, number>();
  private recheck: NodeJS.Timeout | null = null;

  constructor(
    private readonly maxTotal: () => number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  async take(key: string, limit: number): Promise<SlotAnswer> {
    if (this.free(key, limit)) {
      this.count(key);
      return this.granted(key);
    }
    const cap = this.waitingCap(key, limit);
    if (this.waitersOf(key) >= cap) return this.busy(key, cap);
    const answer = new Promise<SlotAnswer>((go) => this.waiting.push({ key, limit, go }));
    this.scheduleRecheck();
    return answer;
  }

  /** The process is stopping: every waiter is let go at once (its message was not sent); transactions under way finish. */
  shed(reason: string): void {
    for (const w of this.waiting.splice(0)) w.go({ refused: 'shed', reason });
  }

  /** How many transactions wait for a slot of `key`. */
  waitersOf(key: string): number {
    let n = 0;
    for (const w of this.waiting) if (w.key === key) n++;
    return n;
  }

  private granted(key: string): SlotAnswer {
    const token = { since: this.now() };
    let set = this.held.get(key);
    if (!set) this.held.set(key, (set = new Set()));
    set.add(token);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.total--;
        const n = (this.used.get(key) ?? 1) - 1;
        if (n) this.used.set(key, n);
        else this.used.delete(key);
        set.delete(token);
        if (!set.size) this.held.delete(key);
        const ms = this.now() - token.since;
        const avg = this.holdMs.get(key);
        if (this.holdMs.size > 10_000) this.holdMs.clear();
        this.holdMs.set(key, avg === undefined ? ms : avg * 0.7 + ms * 0.3);
        this.wakeNext();
        this.trim();
      },
    };
  }

  private busy(key: string, cap: number): SlotRefusal {
    const avg = Math.round(this.holdEstimate(key) / 1000);
    return {
      refused: 'busy',
      reason: `${key} is slow to take mail (its connections are held about ${avg} s each) and ${cap} message${cap === 1 ? '' : 's'} already wait for one: retrying later rather than holding this one in line`,
    };
  }

  /**
   * Slots of the key freed per millisecond: each slot in use is expected to be held for the
   * average so far, or its own age when that is longer (at least 1 ms: a domain not yet measured
   * is given the benefit of the doubt until its slots age).
   */
  private turnover(key: string): number {
    const t = this.now();
    const avg = this.holdMs.get(key) ?? 0;
    let rate = 0;
    for (const h of this.held.get(key) ?? []) rate += 1 / Math.max(avg, t - h.since, 1);
    return rate;
  }

  /** How long one of the key's slots is held, as its turnover says (for the reason given). */
  private holdEstimate(key: string): number {
    const rate = this.turnover(key);
    return rate > 0 ? (this.held.get(key)?.size ?? 0) / rate : (this.holdMs.get(key) ?? 0);
  }

  /**
   * Waiters the key may have: as many as its slots' turnover serves within MAX_EXPECTED_WAIT_MS,
   * at least one per connection; no bound while the key's own connections are not all in use (its
   * waiters wait for the process-wide total, not for the domain).
   */
  private waitingCap(key: string, limit: number): number {
    if ((this.used.get(key) ?? 0) < limit) return Number.POSITIVE_INFINITY;
    const rate = this.turnover(key);
    if (rate <= 0) return Number.POSITIVE_INFINITY;
    return Math.max(limit, Math.floor(rate * MAX_EXPECTED_WAIT_MS));
  }

  /** Lets go of the waiters beyond their key's cap, the last ones in line first. */
  private trim(): void {
    const byKey = new Map<string, Waiter[]>();
    for (const w of this.waiting) {
      const list = byKey.get(w.key);
      if (list) list.push(w);
      else byKey.set(w.key, [w]);
    }
    for (const [key, list] of byKey) {
      const cap = this.waitingCap(key, list[0].limit);
      if (list.length <= cap) continue;
      const over = new Set(list.slice(cap));
      this.waiting = this.waiting.filter((w) => !over.has(w));
      for (const w of over) w.go(this.busy(key, cap));
    }
  }

  /** A tarpit releases nothing until its timeout: its waiters are weighed again meanwhile. */
  private scheduleRecheck(): void {
    if (this.recheck || !this.waiting.length) return;
    this.recheck = setTimeout(() => {
      this.recheck = null;
      this.trim();
      this.scheduleRecheck();
    }, RECHECK_MS);
    this.recheck.unref();
  }

  private count(key: string): void {
    this.used.set(key, (this.used.get(key) ?? 0) + 1);
    this.total++;
  }

  private free(key: string, limit: number): boolean {
    return this.total < this.maxTotal() && (this.used.get(key) ?? 0) < limit;
  }

  private wakeNext(): void {
    const i = this.waiting.findIndex((w) => this.free(w.key, w.limit));
    if (i < 0) return;
    const [w] = this.waiting.splice(i, 1);
    // Counted here, before it resumes, so nobody takes the slot in between.
    this.count(w.key);
    w.go(this.granted(w.key));
  }
}
