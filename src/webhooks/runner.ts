import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { CoreContext } from '../core/context.js';
import { ClaimLoop } from '../core/kernel/claim-loop.js';
import type { StoreCapabilities } from '../core/ports.js';
import { fanOut, pullBacklogForward, recordAttempt } from '../core/webhooks/delivery-queue.js';
import { signingSecrets } from '../core/webhooks/endpoints.service.js';
import { webhookBody } from '../core/webhooks/payload.js';
import type { ReceiverAnswer } from '../core/webhooks/attempt-outcome.js';
import type { ClaimedDelivery, StoredEndpoint } from '../core/webhooks/ports.js';
import type { Logger } from '../logger.js';
import type { WebhookTransport } from './http-transport.js';
import { signingKey, webhookHeaders } from './signer.js';

export interface WebhookRunnerOptions {
  ctx: CoreContext;
  capabilities: StoreCapabilities;
  logger: Logger;
  transport: WebhookTransport;
  /** Requests in flight at once in this process, all endpoints together. */
  maxInFlight?: number;
  /** Requests in flight at once to one endpoint. */
  perEndpoint?: number;
  /** How long a claim holds before another worker may take the delivery over (well above one attempt's 20 s; default 45 s). */
  leaseMs?: number;
  /** Idle polling interval (other processes' events, retries coming due). */
  pollMs?: number;
}

const REAP_EVERY_MS = 10_000;
/**
 * After a wake-up (an event committed, a request finished), let more of the same gather this
 * long: one fan-out and one claim for a burst, not one transaction (and one fsync) each.
 */
const GATHER_MS = 10;
/** Deliveries claimed ahead, all endpoints together, per request slot of the process. */
const MAX_HELD_PER_SLOT = 4;
/**
 * Requests at once to an endpoint that has not answered yet (in this process), or whose last
 * attempt got no answer; each answer allows one more, up to the per-endpoint limit. Receivers
 * that hang from their first request hold this many of the process's slots each, not 16.
 */
const FIRST_WINDOW = 1;
/**
 * The last quarter of the process's request slots is kept for endpoints holding only a few of
 * them (RESERVE_SHARE_FRACTION): receivers that hang after answering well (holding all their
 * slots) cannot take every slot, and the others' events keep flowing meanwhile.
 */
const RESERVE_FRACTION = 1 / 4;
/** "A few": fewer than a quarter of the reserve, at least one. */
const RESERVE_SHARE_FRACTION = 1 / 4;
/**
 * An endpoint with requests in flight is read again at most this often (by the rounds, which
 * run at least once per poll interval): deleted or switched off meanwhile (here or by another
 * process), its requests are given up.
 */
const WATCH_MS = 1_000;
/**
 * How long a read endpoint serves the deliveries that start after it: a read per delivery was a
 * database round trip per webhook request (1,000 a second at 1,000 webhooks a second). A change
 * made through this process's API forgets it at once (endpointsChanged); one made by another
 * process on the same database applies within this time.
 */
const FRESH_MS = 250;
/** At stop, attempts in flight get this long to be answered; the rest are given up and go back to the queue unattempted. */
export const STOP_GRACE_MS = 2_000;

/** Why the runner gave an attempt up before its answer (the abort reason of its request). */
type GiveUp = 'deleted' | 'switched-off' | 'stopping';
/**
 * With no enabled endpoint (most installs), every journaled event would still cost a round (a
 * transaction and ~4 statements) only to drop entries nobody wants: then the journal is read at
 * most once per this interval after the last fan-out, whatever the poll interval. An endpoint
 * created in another process waits at most this long; one created here wakes the runner at once.
 */
export const NO_ENDPOINT_RECHECK_MS = 1_000;

/** Signing keys of one endpoint version (decrypting them once, not per request). */
interface EndpointKeys {
  version: number;
  url: string;
  current: Buffer;
  previous: Buffer | null;
  rotationEndsAt: number | null;
}

/**
 * The webhook worker: fans the event journal out into deliveries, claims due deliveries per
 * endpoint under a lease (PostgreSQL: SKIP LOCKED, so any number of processes share the
 * queue), signs and POSTs them, and records every attempt. A crashed worker's claims return
 * to the queue when the lease ends (SQLite: at the next start).
 */
export class WebhookRunner extends ClaimLoop {
  readonly owner = `${hostname()}:${process.pid}:wh:${randomBytes(3).toString('hex')}`;
  private readonly o: Required<Pick<WebhookRunnerOptions, 'maxInFlight' | 'perEndpoint' | 'leaseMs' | 'pollMs'>>;
  private perEndpoint = new Map<string, number>();
  private keys = new Map<string, EndpointKeys>();
  private lastReap = 0;
  /** The journal may hold unread entries (an event was journaled here, or a poll came: other processes'). */
  private journalUnread = true;
  /** The last round filled an endpoint's room: more is due behind it. */
  private backlog = false;
  /**
   * Deliveries claimed ahead per endpoint, started as its slots free (no claim between two
   * requests). The map's order is the turn: an endpoint that starts a request goes to the back.
   */
  private waiting = new Map<string, ClaimedDelivery[]>();
  /** Requests at once each endpoint may have now (see FIRST_WINDOW). */
  private windows = new Map<string, number>();
  /** Endpoints whose last attempt got no answer (timeout, connection trouble): nothing is claimed ahead for them. */
  private silent = new Set<string>();
  /** The requests in flight per endpoint, to give up when it is deleted or switched off. */
  private requests = new Map<string, Set<AbortController>>();
  /** The read of an endpoint under way, shared by the deliveries that start meanwhile. */
  private reading = new Map<string, { read: Promise<StoredEndpoint | undefined>; changes: number }>();
  /** The last read of each endpoint (performance.now()), serving deliveries for FRESH_MS. */
  private fresh = new Map<string, { at: number; endpoint: StoredEndpoint | undefined }>();
  /** Counts endpointsChanged(): a read that began before a change is not kept as fresh. */
  private changes = 0;
  /** When each endpoint with requests in flight was last read (performance.now()). */
  private readAt = new Map<string, number>();
  /** What was last logged about an endpoint going (deleted or switched off), once per change. */
  private announced = new Map<string, string>();
  /** At stop: gives up the attempts still in flight after STOP_GRACE_MS. */
  private stopTimer: NodeJS.Timeout | null = null;
  /** How long each endpoint has been taking to answer (moving average, ms): how far ahead it is safe to claim. */
  private answerMs = new Map<string, number>();
  /** The last fan-out that read entries found no enabled endpoint: wake-ups from events wait for the recheck. */
  private noEndpoint = false;
  /** When that fan-out ran (performance.now(): the runner's clock may be a test's manual one). */
  private noEndpointSince = 0;
  /** The one pending recheck of a journal marked unread while no endpoint existed. */
  private recheck: NodeJS.Timeout | null = null;

  constructor(private readonly opts: WebhookRunnerOptions) {
    const o = { maxInFlight: opts.maxInFlight ?? 64, perEndpoint: opts.perEndpoint ?? 16, leaseMs: opts.leaseMs ?? 45_000, pollMs: opts.pollMs ?? 1_000 };
    super(opts.ctx.clock, () => o.pollMs, (err) => opts.logger.error({ err }, 'webhook queue round failed; trying again shortly'));
    this.o = o;
  }

  private get ctx(): CoreContext {
    return this.opts.ctx;
  }

  protected async recover(): Promise<void> {
    // One process owns a SQLite file: whatever is still "sending" belonged to a process that died.
    if (!this.opts.capabilities.multiWriter) await this.ctx.store.repos.webhookDeliveries.releaseExpiredLeases(Number.MAX_SAFE_INTEGER);
  }

  /**
   * This process journaled an event (or, on PostgreSQL, another one announced it): fan it out
   * soon. While the last fan-out found no enabled endpoint, at most NO_ENDPOINT_RECHECK_MS after
   * it rather than at once (one timer, whatever the poll interval). Stopping wakes at once.
   */
  override wake(): void {
    this.journalUnread = true;
    if (!this.noEndpoint || this.stopping || !this.running) return super.wake();
    if (this.recheck) return;
    const wait = Math.max(0, this.noEndpointSince + NO_ENDPOINT_RECHECK_MS - performance.now());
    this.recheck = setTimeout(() => {
      this.recheck = null;
      super.wake();
    }, wait);
    this.recheck.unref();
  }

  /**
   * An endpoint was created, changed or deleted here: what was read of the endpoints is
   * forgotten (the next request reads it as stored now), and the journal is looked at at once.
   */
  endpointsChanged(): void {
    this.fresh.clear();
    this.changes++;
    this.noEndpoint = false;
    this.clearRecheck();
    this.wake();
  }

  private clearRecheck(): void {
    if (this.recheck) clearTimeout(this.recheck);
    this.recheck = null;
  }

  /**
   * Stops, then gives back what was claimed ahead and never started (another worker may send it
   * at once). Attempts in flight get STOP_GRACE_MS to be answered and recorded; the rest are given
   * up and go back to the queue as not attempted (a receiver hanging for its 20 s does not hold
   * the process up; one that took the request without answering gets it again: at least once).
   */
  override async stop(): Promise<void> {
    this.stopping = true;
    this.clearRecheck();
    try {
      await super.stop();
    } finally {
      if (this.stopTimer) clearTimeout(this.stopTimer);
      this.stopTimer = null;
    }
    const held = [...this.waiting.values()].reduce((n, q) => n + q.length, 0);
    this.waiting.clear();
    if (!held) return;
    await this.ctx.store.repos.webhookDeliveries.releaseLeasesOf(this.owner, [], this.ctx.clock.now()).catch((err) => this.opts.logger.warn({ err }, 'could not return claimed webhook deliveries at stop; their lease returns them'));
  }

  /** No round claims any more: what is still in flight after the grace is given up. */
  protected override lettingGo(): void {
    if (!this.requests.size) return;
    this.stopTimer = setTimeout(() => {
      for (const set of this.requests.values()) for (const c of set) c.abort('stopping' satisfies GiveUp);
    }, STOP_GRACE_MS);
  }

  protected next() {
    // A backlog waits behind the per-endpoint limit: claim again as requests finish, a few at a
    // time; otherwise wait for a wake-up or the next poll (which also looks at the journal).
    const untilSlotFrees = this.backlog || this.waiting.size > 0 || this.inFlight.size >= this.o.maxInFlight;
    if (!untilSlotFrees) this.journalUnread = true;
    return { idle: true as const, untilSlotFrees, gatherMs: GATHER_MS };
  }

  /** Fans out the journal, then claims and starts what is due per endpoint. Returns the entries read and requests started. */
  protected async round(): Promise<number> {
    const repos = this.ctx.store.repos;
    let now = this.ctx.clock.now();
    if (this.opts.capabilities.multiWriter && (now - this.lastReap > REAP_EVERY_MS || now < this.lastReap)) {
      this.lastReap = now;
      const n = await repos.webhookDeliveries.releaseExpiredLeases(now);
      if (n) this.opts.logger.warn({ count: n }, 'returned webhook deliveries whose worker lease ended to the queue');
    }
    if (this.claimsInDoubt) {
      // What was claimed ahead goes back with them: none of it has been sent.
      this.waiting.clear();
      await repos.webhookDeliveries.releaseLeasesOf(this.owner, [...this.inFlightIds], now);
      this.claimsInDoubt = false;
    }
    let work = 0;
    // Only when something may be unread: an empty look is still a transaction.
    if (this.journalUnread) {
      // Cleared first: an event journaled during the fan-out sets it again for the next round.
      this.journalUnread = false;
      // This fan-out reads what was committed before it: a pending recheck could only find less
      // (an event committed from here on schedules its own, counted from this fan-out).
      this.clearRecheck();
      // The recheck is timed from this look (the time only counts while no endpoint exists).
      this.noEndpointSince = performance.now();
      for (let more = true; more; ) {
        const done = await fanOut(this.ctx);
        more = done.more;
        work += done.read;
        this.noEndpoint = !done.endpoints;
      }
      // An event journaled during the fan-out waits for no recheck once an endpoint exists.
      if (!this.noEndpoint && this.recheck) {
        this.clearRecheck();
        super.wake();
      }
      // What the fan-out just queued is due from its own clock reading, later than the round's
      // start: claimed with the earlier time it would wait for the next poll (up to a minute
      // when LISTEN/NOTIFY wakes the workers and the poll interval is long).
      now = this.ctx.clock.now();
    }
    await this.watchInFlight();
    this.backlog = false;
    work += this.pumpAll();
    const heldAll = () => [...this.waiting.values()].reduce((n, q) => n + q.length, 0);
    for (const endpointId of await repos.webhookDeliveries.dueEndpoints(now)) {
      const held = this.waiting.get(endpointId)?.length ?? 0;
      const want = Math.min(this.room(endpointId) + this.claimAhead(endpointId) - held, MAX_HELD_PER_SLOT * this.o.maxInFlight - heldAll());
      if (want <= 0) {
        this.backlog = true;
        continue;
      }
      const claimed = await this.ctx.store.grouped((r) => r.webhookDeliveries.claim({ endpointId, owner: this.owner, now, leaseUntil: now + this.o.leaseMs, limit: want }));
      if (claimed.length === want) this.backlog = true;
      if (!claimed.length) continue;
      const queue = this.waiting.get(endpointId) ?? [];
      queue.push(...claimed);
      this.waiting.set(endpointId, queue);
      work += claimed.length + this.pumpAll();
    }
    return work;
  }

  /**
   * Reads again the endpoints with requests in flight that were not read for WATCH_MS: one
   * deleted or switched off meanwhile (by this process or another) has them given up.
   */
  private async watchInFlight(): Promise<void> {
    const due = [...this.requests.keys()].filter((id) => performance.now() - (this.readAt.get(id) ?? 0) >= WATCH_MS);
    for (const id of due) {
      const endpoint = await this.read(id, 0);
      if (!endpoint || !endpoint.enabled) await this.letGo(id, endpoint);
    }
  }

  /**
   * The endpoint as stored now: read at most `maxAgeMs` ago (FRESH_MS), else read again;
   * deliveries starting while a read is under way share it.
   */
  private read(endpointId: string, maxAgeMs = FRESH_MS): Promise<StoredEndpoint | undefined> {
    const known = this.fresh.get(endpointId);
    if (known && performance.now() - known.at < maxAgeMs) return Promise.resolve(known.endpoint);
    // Shared only when no change was made here since it began: one from before a PATCH, DELETE or
    // rotation must not serve the deliveries that start after it.
    const under = this.reading.get(endpointId);
    if (under && under.changes === this.changes) return under.read;
    const started = performance.now();
    const before = this.changes;
    const entry = {
      changes: before,
      read: this.ctx.store.repos.webhookEndpoints
        .get(endpointId)
        .then((endpoint) => {
          // A handful of endpoints in practice; bounded anyway (deleted ones are never read again).
          if (this.fresh.size >= 1_000) this.fresh.clear();
          if (before === this.changes) this.fresh.set(endpointId, { at: started, endpoint });
          return endpoint;
        })
        .finally(() => {
          if (this.reading.get(endpointId) === entry) this.reading.delete(endpointId);
          if (this.requests.has(endpointId)) this.readAt.set(endpointId, performance.now());
        }),
    };
    this.reading.set(endpointId, entry);
    return entry.read;
  }

  /**
   * The endpoint was deleted (`endpoint` undefined) or switched off: its requests in flight are
   * given up, and what is claimed for it and not started is dropped (deleted: the rows went with
   * it) or returned to the queue unattempted (switched off: it waits to be switched on).
   */
  private async letGo(endpointId: string, endpoint: StoredEndpoint | undefined, also: ClaimedDelivery[] = []): Promise<void> {
    const reason: GiveUp = endpoint ? 'switched-off' : 'deleted';
    const held = [...also, ...(this.waiting.get(endpointId) ?? [])];
    this.waiting.delete(endpointId);
    const inFlight = this.requests.get(endpointId);
    for (const c of inFlight ?? []) c.abort(reason);
    const mark = endpoint ? `off:${endpoint.version}` : 'deleted';
    if (this.announced.get(endpointId) !== mark) {
      if (this.announced.size > 1_000) this.announced.clear();
      this.announced.set(endpointId, mark);
      this.opts.logger.info(
        { endpointId, givenUp: inFlight?.size ?? 0, held: held.length },
        endpoint ? 'webhook endpoint switched off: its requests in flight are given up, its deliveries wait until it is switched on' : 'webhook endpoint deleted: its requests in flight are given up, its deliveries went with it',
      );
    }
    if (endpoint) await this.giveBack(held.map((d) => d.id));
  }

  /** Returns claimed deliveries to the queue with no attempt recorded. */
  private async giveBack(ids: string[]): Promise<void> {
    if (!ids.length) return;
    await this.ctx.store.repos.webhookDeliveries
      .releaseClaims(this.owner, ids, this.ctx.clock.now())
      .catch((err: unknown) => this.opts.logger.warn({ err, count: ids.length }, 'could not return webhook deliveries to the queue; their lease returns them'));
  }

  /**
   * How many deliveries beyond its free slots to claim for an endpoint: none until it has
   * answered once, then as many as it works off in a third of the lease at its recent pace
   * (at most three rounds of its slots), so nothing claimed waits here past its lease.
   */
  private claimAhead(endpointId: string): number {
    const ms = this.answerMs.get(endpointId);
    // Nothing ahead for a receiver that did not answer its last attempt: held here, its
    // deliveries would only wait out its timeouts (and other processes could have sent them).
    if (ms === undefined || this.silent.has(endpointId)) return 0;
    const slots = this.limitOf(endpointId);
    return Math.min(3 * slots, Math.floor(((this.o.leaseMs / 3) * slots) / Math.max(ms, 1)));
  }

  /** Requests at once the endpoint may have now: its window, within the per-endpoint limit. */
  private limitOf(endpointId: string): number {
    return Math.min(this.o.perEndpoint, this.windows.get(endpointId) ?? FIRST_WINDOW);
  }

  /** Whether one more request to an endpoint with `active` in flight fits when the process has `total` in flight. */
  private fits(endpointId: string, active: number, total: number): boolean {
    if (total >= this.o.maxInFlight || active >= this.limitOf(endpointId)) return false;
    const reserve = Math.max(1, Math.floor(this.o.maxInFlight * RESERVE_FRACTION));
    const share = Math.max(1, Math.floor(reserve * RESERVE_SHARE_FRACTION));
    return total < this.o.maxInFlight - reserve || active < share;
  }

  /** How many more requests to the endpoint could start now. */
  private room(endpointId: string): number {
    let active = this.perEndpoint.get(endpointId) ?? 0;
    let total = this.inFlight.size;
    let n = 0;
    while (this.fits(endpointId, active++, total++)) n++;
    return n;
  }

  /**
   * Starts claimed deliveries while slots are free, one endpoint after the other in turn (a
   * freed slot goes to the endpoint that waited longest, not back to the one that freed it);
   * returns how many.
   */
  private pumpAll(): number {
    let started = 0;
    for (let more = true; more && !this.stopping; ) {
      more = false;
      for (const endpointId of [...this.waiting.keys()]) {
        if (!this.fits(endpointId, this.perEndpoint.get(endpointId) ?? 0, this.inFlight.size)) continue;
        const queue = this.waiting.get(endpointId)!;
        const d = queue.shift()!;
        // To the back of the turn.
        this.waiting.delete(endpointId);
        if (queue.length) this.waiting.set(endpointId, queue);
        this.startDelivery(d);
        started++;
        more = true;
      }
    }
    return started;
  }

  private startDelivery(d: ClaimedDelivery): void {
    this.perEndpoint.set(d.endpointId, (this.perEndpoint.get(d.endpointId) ?? 0) + 1);
    const request = new AbortController();
    const requests = this.requests.get(d.endpointId) ?? new Set<AbortController>();
    requests.add(request);
    this.requests.set(d.endpointId, requests);
    let released = false;
    // The receiver's slot frees as soon as it has answered; recording the answer (a group
    // commit) goes on beside the next requests, within the process-wide limit.
    const release = () => {
      if (released) return;
      released = true;
      const left = (this.perEndpoint.get(d.endpointId) ?? 1) - 1;
      if (left > 0) this.perEndpoint.set(d.endpointId, left);
      else this.perEndpoint.delete(d.endpointId);
      requests.delete(request);
      if (!requests.size && this.requests.get(d.endpointId) === requests) {
        this.requests.delete(d.endpointId);
        this.readAt.delete(d.endpointId);
      }
      this.pumpAll();
      // Claim more before what was claimed ahead runs out.
      if (this.backlog && (this.waiting.get(d.endpointId)?.length ?? 0) < this.o.perEndpoint) super.wake();
    };
    this.track(
      d.id,
      () => this.deliver(d, request.signal, release).finally(release),
      (err) => this.opts.logger.error({ err, deliveryId: d.id, endpointId: d.endpointId }, 'webhook delivery bookkeeping failed; the delivery goes back to the queue'),
    );
  }

  private async deliver(d: ClaimedDelivery, signal: AbortSignal, answered: () => void): Promise<void> {
    // As stored now, not when it was claimed: deleted or switched off since, nothing is sent;
    // a new URL or a rotated secret applies (the version says which keys sign).
    const endpoint = await this.read(d.endpointId);
    if (!endpoint || !endpoint.enabled) return this.letGo(d.endpointId, endpoint, [d]);
    if (signal.aborted) return this.givenUp(d, signal.reason as GiveUp);
    const keys = await this.keysOf(endpoint);
    const now = this.ctx.clock.now();
    const signing = keys.previous && keys.rotationEndsAt !== null && keys.rotationEndsAt > now ? [keys.current, keys.previous] : [keys.current];
    const body = webhookBody(d.event);
    const answer = await this.opts.transport.send(keys.url, webhookHeaders(signing, d.eventId, now, body), body, signal);
    // Given up meanwhile: whatever came back is not this attempt's outcome.
    if (signal.aborted) return this.givenUp(d, signal.reason as GiveUp);
    const pace = this.answerMs.get(d.endpointId);
    this.answerMs.set(d.endpointId, pace === undefined ? answer.durationMs : pace * 0.8 + answer.durationMs * 0.2);
    this.learn(d.endpointId, answer.kind);
    answered();
    const recorded = await this.untilStoreAnswers(d.leaseUntil, () => recordAttempt(this.ctx, this.owner, d, answer));
    if (!recorded.recorded) {
      // Deleted with its endpoint during the attempt (the deliveries go first), or the lease really went to another worker.
      if (!(await this.ctx.store.repos.webhookDeliveries.get(d.id))) this.opts.logger.info({ deliveryId: d.id, endpointId: d.endpointId }, 'webhook endpoint deleted during an attempt; its delivery went with it');
      else this.opts.logger.warn({ deliveryId: d.id }, 'lost the lease on a webhook delivery before recording its attempt; another worker has it');
    }
    if (recorded.backlog) {
      // The receiver is back after a long outage: the rest of its waiting retries become due, a chunk per commit.
      await pullBacklogForward(this.ctx, d.endpointId, this.ctx.clock.now()).catch((err: unknown) =>
        this.opts.logger.warn({ endpointId: d.endpointId, err: (err as Error).message }, 'could not make all waiting webhook retries due; the rest keep their schedule'),
      );
    }
    if (recorded.disabled) {
      this.opts.logger.warn({ endpointId: d.endpointId, reason: recorded.disabled }, 'webhook endpoint switched off');
      // Switched off here (410 Gone, a long failing streak): what was read of it is stale now.
      this.fresh.delete(d.endpointId);
      this.changes++;
    }
    else if (answer.kind !== 'response' || answer.status >= 300) {
      // The endpoint id and the origin only: a URL's path or query may carry a receiver's token.
      const origin = new URL(keys.url).origin;
      this.opts.logger.info({ endpointId: d.endpointId, origin, deliveryId: d.id, status: answer.kind === 'response' ? answer.status : answer.kind, next: recorded.status }, 'webhook attempt failed');
    }
  }

  /** An answer allows one more request at once; no answer takes the endpoint back to one, and nothing is claimed ahead for it. */
  private learn(endpointId: string, kind: ReceiverAnswer['kind']): void {
    if (kind === 'response') {
      this.silent.delete(endpointId);
      this.windows.set(endpointId, Math.min(this.o.perEndpoint, (this.windows.get(endpointId) ?? FIRST_WINDOW) + 1));
    } else if (kind === 'error') {
      this.silent.add(endpointId);
      this.windows.set(endpointId, FIRST_WINDOW);
    }
  }

  /**
   * An attempt given up before its answer: not recorded. Deleted: nothing is left to record;
   * switched off or stopping: the delivery goes back to the queue as it was (attempts, due time).
   */
  private async givenUp(d: ClaimedDelivery, reason: GiveUp): Promise<void> {
    if (reason === 'deleted') return;
    await this.giveBack([d.id]);
  }

  /** The endpoint's signing keys, decrypted once per endpoint version (a rotation bumps it). */
  private async keysOf(e: StoredEndpoint): Promise<EndpointKeys> {
    const cached = this.keys.get(e.id);
    if (cached && cached.version === e.version) return cached;
    const secrets = await signingSecrets(this.ctx.store.repos, e, this.ctx.clock.now());
    const keys: EndpointKeys = { version: e.version, url: e.url, current: signingKey(secrets[0]), previous: secrets[1] ? signingKey(secrets[1]) : null, rotationEndsAt: e.rotationEndsAt };
    if (this.keys.size > 1_000) this.keys.clear();
    this.keys.set(e.id, keys);
    return keys;
  }
}
