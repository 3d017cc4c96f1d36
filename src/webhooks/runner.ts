import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { CoreContext } from '../core/context.js';
import { ClaimLoop } from '../core/kernel/claim-loop.js';
import type { StoreCapabilities } from '../core/ports.js';
import { fanOut, pullBacklogForward, recordAttempt } from '../core/webhooks/delivery-queue.js';
import { signingSecrets } from '../core/webhooks/endpoints.service.js';
import { webhookBody } from '../core/webhooks/payload.js';
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
  /** Deliveries claimed ahead per endpoint, started as its slots free (no database round trip between two requests). */
  private waiting = new Map<string, { d: ClaimedDelivery; endpoint: StoredEndpoint | undefined }[]>();
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

  /** An endpoint was created or switched on here: look at the journal (and the endpoints) at once. */
  endpointsChanged(): void {
    this.noEndpoint = false;
    this.clearRecheck();
    this.wake();
  }

  private clearRecheck(): void {
    if (this.recheck) clearTimeout(this.recheck);
    this.recheck = null;
  }

  /** Stops, then gives back what was claimed ahead and never started (another worker may send it at once). */
  override async stop(): Promise<void> {
    this.stopping = true;
    this.clearRecheck();
    await super.stop();
    const held = [...this.waiting.values()].reduce((n, q) => n + q.length, 0);
    this.waiting.clear();
    if (!held) return;
    await this.ctx.store.repos.webhookDeliveries.releaseLeasesOf(this.owner, [], this.ctx.clock.now()).catch((err) => this.opts.logger.warn({ err }, 'could not return claimed webhook deliveries at stop; their lease returns them'));
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
    this.backlog = false;
    for (const endpointId of [...this.waiting.keys()]) work += this.pump(endpointId);
    const heldAll = () => [...this.waiting.values()].reduce((n, q) => n + q.length, 0);
    for (const endpointId of await repos.webhookDeliveries.dueEndpoints(now)) {
      const active = this.perEndpoint.get(endpointId) ?? 0;
      const held = this.waiting.get(endpointId)?.length ?? 0;
      const want = Math.min(this.o.perEndpoint + this.claimAhead(endpointId) - active - held, MAX_HELD_PER_SLOT * this.o.maxInFlight - heldAll(), this.o.maxInFlight - this.inFlight.size + this.claimAhead(endpointId));
      if (want <= 0) {
        this.backlog = true;
        continue;
      }
      const claimed = await this.ctx.store.grouped((r) => r.webhookDeliveries.claim({ endpointId, owner: this.owner, now, leaseUntil: now + this.o.leaseMs, limit: want }));
      if (claimed.length === want) this.backlog = true;
      if (!claimed.length) continue;
      const endpoint = await repos.webhookEndpoints.get(endpointId);
      const queue = this.waiting.get(endpointId) ?? [];
      for (const d of claimed) queue.push({ d, endpoint });
      this.waiting.set(endpointId, queue);
      work += claimed.length + this.pump(endpointId);
    }
    return work;
  }

  /**
   * How many deliveries beyond its free slots to claim for an endpoint: none until it has
   * answered once, then as many as it works off in a third of the lease at its recent pace
   * (at most three rounds of its slots), so nothing claimed waits here past its lease.
   */
  private claimAhead(endpointId: string): number {
    const ms = this.answerMs.get(endpointId);
    if (ms === undefined) return 0;
    return Math.min(3 * this.o.perEndpoint, Math.floor(((this.o.leaseMs / 3) * this.o.perEndpoint) / Math.max(ms, 1)));
  }

  /** Starts the endpoint's claimed deliveries while it has free slots; returns how many. */
  private pump(endpointId: string): number {
    const queue = this.waiting.get(endpointId);
    let started = 0;
    while (!this.stopping && queue?.length && (this.perEndpoint.get(endpointId) ?? 0) < this.o.perEndpoint && this.inFlight.size < this.o.maxInFlight) {
      const { d, endpoint } = queue.shift()!;
      this.startDelivery(d, endpoint);
      started++;
    }
    if (queue && !queue.length) this.waiting.delete(endpointId);
    return started;
  }

  private startDelivery(d: ClaimedDelivery, endpoint: StoredEndpoint | undefined): void {
    this.perEndpoint.set(d.endpointId, (this.perEndpoint.get(d.endpointId) ?? 0) + 1);
    let released = false;
    // The receiver's slot frees as soon as it has answered; recording the answer (a group
    // commit) goes on beside the next requests, within the process-wide limit.
    const release = () => {
      if (released) return;
      released = true;
      const left = (this.perEndpoint.get(d.endpointId) ?? 1) - 1;
      if (left > 0) this.perEndpoint.set(d.endpointId, left);
      else this.perEndpoint.delete(d.endpointId);
      this.pump(d.endpointId);
      // Claim more before what was claimed ahead runs out.
      if (this.backlog && (this.waiting.get(d.endpointId)?.length ?? 0) < this.o.perEndpoint) super.wake();
    };
    this.track(
      d.id,
      () => this.deliver(d, endpoint, release).finally(release),
      (err) => this.opts.logger.error({ err, deliveryId: d.id, endpointId: d.endpointId }, 'webhook delivery bookkeeping failed; the delivery goes back to the queue'),
    );
  }

  private async deliver(d: ClaimedDelivery, endpoint: StoredEndpoint | undefined, answered: () => void): Promise<void> {
    // Deleted since the claim: its deliveries went with it.
    if (!endpoint) return;
    const keys = await this.keysOf(endpoint);
    const now = this.ctx.clock.now();
    const signing = keys.previous && keys.rotationEndsAt !== null && keys.rotationEndsAt > now ? [keys.current, keys.previous] : [keys.current];
    const body = webhookBody(d.event);
    const answer = await this.opts.transport.send(keys.url, webhookHeaders(signing, d.eventId, now, body), body);
    const pace = this.answerMs.get(d.endpointId);
    this.answerMs.set(d.endpointId, pace === undefined ? answer.durationMs : pace * 0.8 + answer.durationMs * 0.2);
    answered();
    const recorded = await this.untilStoreAnswers(d.leaseUntil, () => recordAttempt(this.ctx, this.owner, d, answer));
    if (!recorded.recorded) this.opts.logger.warn({ deliveryId: d.id }, 'lost the lease on a webhook delivery before recording its attempt; another worker has it');
    if (recorded.backlog) {
      // The receiver is back after a long outage: the rest of its waiting retries become due, a chunk per commit.
      await pullBacklogForward(this.ctx, d.endpointId, this.ctx.clock.now()).catch((err: unknown) =>
        this.opts.logger.warn({ endpointId: d.endpointId, err: (err as Error).message }, 'could not make all waiting webhook retries due; the rest keep their schedule'),
      );
    }
    if (recorded.disabled) this.opts.logger.warn({ endpointId: d.endpointId, reason: recorded.disabled }, 'webhook endpoint switched off');
    else if (answer.kind !== 'response' || answer.status >= 300) {
      // The endpoint id and the origin only: a URL's path or query may carry a receiver's token.
      const origin = new URL(keys.url).origin;
      this.opts.logger.info({ endpointId: d.endpointId, origin, deliveryId: d.id, status: answer.kind === 'response' ? answer.status : answer.kind, next: recorded.status }, 'webhook attempt failed');
    }
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
