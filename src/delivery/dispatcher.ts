import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { SYSTEM_ACTOR } from '../core/kernel/audit.js';
import { audit, type CoreContext } from '../core/context.js';
import { ClaimLoop } from '../core/kernel/claim-loop.js';
import { isMailroomError, isStoreUnavailable } from '../core/kernel/errors.js';
import type { MessageStatus } from '../core/outbox/messages.js';
import { journal } from '../core/kernel/event-journal.js';
import type { MessageEvent, MessageStatusChanged } from '../core/kernel/message-events.js';
import { newId } from '../core/kernel/ids.js';
import type { AttemptRecord, AttemptWrite, ClaimedMessage } from '../core/outbox/ports.js';
import { classifyAttempt, statusAfterAttempt, type AttemptReport } from '../core/outbox/retry-policy.js';
import { DEFAULT_RETRY } from '../core/senders/servers.js';
import type { Logger } from '../logger.js';
import type { Repositories, StoreCapabilities } from '../core/ports.js';
import type { OutgoingMessage } from './outgoing.js';
import { maySendNow, senderForAttempt } from './sender-choice.js';
import { senderOnAccount } from '../core/routing/sender-identity.js';
import { URGENT_PRIORITY } from '../core/routing/purposes.js';
import type { SendTarget } from './smtp/transport.js';
import { configFailure } from './config-failure.js';

/** Sends one attempt; the smtp transports, or the log driver (which needs no target). */
export interface Deliverer {
  send(target: SendTarget | null, out: OutgoingMessage): Promise<AttemptReport>;
  /** True for the log driver: messages end `logged`, and no account needs to be usable. */
  logOnly: boolean;
  /**
   * The process is stopping: let go of messages still waiting for a connection (their reports
   * come back notAttempted), so that a stop waits for the messages being sent, not for a
   * queue of a thousand behind a slow server.
   */
  shed?(reason: string): void;
  /**
   * Delivery is about to start: get ready for the first attempt now (the SMTP thread loads its
   * modules, ~100 ms on a fast machine and three times that on a slow one), so that the first
   * message after a start, often a sign-in code, does not wait for it.
   */
  prepare?(): void;
}

export interface DispatcherOptions {
  ctx: CoreContext;
  capabilities: StoreCapabilities;
  logger: Logger;
  deliverer: Deliverer;
  /**
   * Messages attempting at once in this process (across all accounts' pools): waiting for a
   * connection or being sent (see slotsHeld). Default MAX_IN_FLIGHT.
   */
  maxInFlight?: number;
  /**
   * The content those messages may hold in memory together (their sizeBytes), default
   * MAX_IN_FLIGHT_BYTES: 400 messages of a few KB are nothing, 400 invoices of 1 MB are
   * not. A message larger than all of it is still sent, alone.
   */
  maxInFlightBytes?: number;
  /** Claim at most this many per query. */
  batchSize?: number;
  /**
   * Slots beyond maxInFlight that only urgent messages (priority ≥ URGENT_PRIORITY) may take:
   * with every slot held by bulk mail waiting for a connection (a deep queue, a slow server, the
   * first second after a start), a two-factor code is still claimed at once and overtakes the
   * bulk at the pool's priority queue, instead of waiting for a bulk message to finish.
   */
  urgentReserve?: number;
  /** How long a claim holds before another worker may take the message over. */
  leaseMs?: number;
  /** Idle polling interval. */
  pollMs?: number;
  /** After a partial batch, how long new bulk mail gathers before the next claim (CLAIM_GATHER_MS). */
  claimGatherMs?: number;
}

/**
 * After a partial batch, wait this long before claiming again (next()), unless an urgent
 * message arrives meanwhile. Each claim is a statement and a share of a commit on the main
 * thread: at a paced 500 accepts a second on SQLite, claiming every 10 ms made batches of ~5;
 * every 40 ms (~20) took Mailroom's CPU per message from 1.75–1.80 ms to 1.65–1.72, the accept
 * latency's p99 lower in 3 of 4 pairs (docs/performance.md). Bulk mail starts up to this much
 * later under a steady load; an idle queue's first message is claimed at once as before. Another
 * process's wake-up signal ends the pause only when its work may be urgent (pg-wake's BULK_ONLY).
 */
export const CLAIM_GATHER_MS = 40;

/**
 * Slots for messages attempting at once. Each message spends tens of ms in flight beyond its
 * SMTP exchange under load (handed to the SMTP thread and back through a busy event loop,
 * waiting in the pool's queue): at 200 slots that capped a process at ~3,000 msgs/s with a fifth
 * of the machine idle (tenth session). More than needed costs garbage collection: a message in
 * flight outlives several young-generation collections, so each is copied and promoted on both
 * threads; 400 drained 100,000 queued messages as fast as 1,000 did, with a third less of the
 * SMTP thread's time in scavenges, half its full collections and a shorter urgent tail
 * (docs/performance.md, twelfth session).
 */
export const MAX_IN_FLIGHT = 400;
export const MAX_IN_FLIGHT_BYTES = 256 * 1024 * 1024;

/**
 * Outcomes still being recorded hold no slot, up to this many times maxInFlight of them: past
 * that the store is falling behind and claiming slows down with it. A slot is for an attempt
 * (waiting for a connection, being sent): on PostgreSQL under load an outcome's group commit
 * takes tens of ms, and while slots were held until it committed, 200 slots carried at most
 * ~3,000 msgs/s with a fifth of the machine idle (docs/performance.md, tenth session).
 */
const RECORDING_ALLOWANCE = 1;

/**
 * How often a worker looks for messages whose lease ended (a killed worker's): every 5 s, or a
 * third of the lease when that is shorter, so a takeover waits at most a third longer than the
 * lease (with MAILROOM_OUTBOX_LEASE_MS=3000 it waited up to 8 s, not 4).
 */
export const REAP_EVERY_MS = 5_000;

/** The smallest size a claim expects per message (bytesRoom), a short text message's. */
const MIN_EXPECTED_BYTES = 2_048;

/**
 * The outbox worker: claims due messages in batches under a lease (PostgreSQL: FOR UPDATE
 * SKIP LOCKED, chosen by the capability flag), sends each through its account's pooled
 * transport, and records the outcome. A crashed worker's claims return to the queue when
 * their lease ends (with one process per SQLite file, at the next start).
 */
export class Dispatcher extends ClaimLoop {
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private lastReap = 0;
  /** An urgent message may be waiting while every slot is taken: look into the reserve (see wake). */
  private urgentMayWait = true;
  /** Woken for new work since the last round began (a message accepted or retried here, another process's signal). */
  private woken = true;
  /** An urgent message was announced since the last round began: claim again without gathering. */
  private urgentArrived = false;
  /** The last claim found nothing: a poll asks whether anything is due before it claims. */
  private queueLookedEmpty = false;
  private lastUrgentLook = 0;
  private lastRenewal = 0;
  /** Claimed messages whose attempt has not ended yet, with their size: what takes a slot (slotsHeld). */
  private readonly attempting = new Map<string, number>();
  private bytesAttempting = 0;
  /**
   * The size a claim expects per message (bytesRoom): the largest of the last batch, or half
   * the previous expectation if that is more. Biased high, so a queue of large messages is
   * claimed a few at a time as soon as one is seen; small ones fill the slots again a few
   * claims later. (The first claim after a start expects small messages.)
   */
  private expectedBytes = MIN_EXPECTED_BYTES;
  private readonly o: Required<Omit<DispatcherOptions, 'ctx' | 'capabilities' | 'logger' | 'deliverer'>>;

  constructor(private readonly opts: DispatcherOptions) {
    const o = { maxInFlight: opts.maxInFlight ?? MAX_IN_FLIGHT, maxInFlightBytes: opts.maxInFlightBytes ?? MAX_IN_FLIGHT_BYTES, batchSize: opts.batchSize ?? 100, urgentReserve: opts.urgentReserve ?? 20, leaseMs: opts.leaseMs ?? 5 * 60_000, pollMs: opts.pollMs ?? 100, claimGatherMs: opts.claimGatherMs ?? CLAIM_GATHER_MS };
    super(opts.ctx.clock, () => o.pollMs, (err) => opts.logger.error({ err }, 'outbox claim failed; retrying shortly'));
    this.o = o;
  }

  private get ctx() {
    return this.opts.ctx;
  }

  protected async recover(): Promise<void> {
    this.opts.deliverer.prepare?.();
    // One process owns a SQLite file: whatever is still "sending" was claimed by a process that died.
    if (!this.opts.capabilities.multiWriter) await this.ctx.store.repos.messages.releaseExpiredLeases(Number.MAX_SAFE_INTEGER);
    this.lastRenewal = this.ctx.clock.now();
  }

  /**
   * Leases of messages in flight are renewed by rounds: with a poll interval longer than a third
   * of the lease (MAILROOM_OUTBOX_POLL_MS set high because LISTEN/NOTIFY wakes the workers), an
   * idle loop would otherwise let a slow attempt's lease run out and another worker send it too.
   */
  protected override idleWaitMs(): number {
    return this.inFlightIds.size ? Math.min(this.o.pollMs, this.o.leaseMs / 3) : this.o.pollMs;
  }

  /**
   * Looks for work now. `urgent: false` says the new work is a bulk message: a dispatcher whose
   * slots are all taken has nothing to claim for it, so it does not query its urgent reserve
   * (at a busy API that would be a claim query per wake-up).
   */
  override wake(urgent = true): void {
    this.woken = true;
    super.wake();
    if (!urgent) return;
    this.urgentMayWait = true;
    // Not behind the gathering pause of bulk mail (next()).
    this.urgentArrived = true;
    this.cutPause();
  }

  protected override lettingGo(): void {
    this.opts.deliverer.shed?.('not sent: Mailroom was stopping before a connection was free');
  }

  protected next(claimed: number) {
    const full = this.bulkRoom() <= 0;
    // A full batch means more is waiting: claim again at once. A partial one means the queue is
    // drained: let new messages gather for a moment, so a busy API does not turn into one claim
    // (and one commit) per accepted message. Full: wait for a finished attempt to free a slot.
    if (claimed >= this.o.batchSize && !full) return { pauseMs: 0 };
    if (claimed > 0 && !full) return { pauseMs: this.urgentArrived ? 0 : this.o.claimGatherMs };
    return { idle: true as const, untilSlotFrees: full };
  }

  protected async round(): Promise<number> {
    // A wake-up from here on may have come too late for this round's claim (next()).
    this.urgentArrived = false;
    const repos = this.ctx.store.repos;
    const now = this.ctx.clock.now();
    // An attempt may outlast a lease (connect + send timeouts up to 600 s, plus waiting for a pooled
    // connection): keep the leases of what is still in flight, so no worker takes a message over
    // while this one is still sending it. Before the look for expired leases: after a store outage
    // longer than a lease, this worker's own messages (their outcomes still to be recorded) are
    // renewed, not returned to the queue by this very worker.
    if (this.inFlightIds.size && now - this.lastRenewal >= this.o.leaseMs / 3) {
      await this.ctx.store.grouped((r) => r.messages.renewLeases(this.owner, [...this.inFlightIds], now + this.o.leaseMs));
      // Only once it is stored: a renewal that failed in an outage must be tried again first thing
      // when the store is back, before the look below could return this worker's own messages.
      this.lastRenewal = now;
    }
    if (now - this.lastReap > Math.min(REAP_EVERY_MS, this.o.leaseMs / 3) || now < this.lastReap) {
      this.lastReap = now;
      const n = await repos.messages.releaseExpiredLeases(now);
      if (n) this.opts.logger.warn({ count: n }, 'returned messages whose worker lease ended to the queue');
    }
    if (this.claimsInDoubt) {
      const n = await repos.messages.releaseLeasesOf(this.owner, [...this.inFlightIds], now);
      this.claimsInDoubt = false;
      if (n) this.opts.logger.warn({ count: n }, 'returned messages claimed while the store was unreachable (the claim committed, its answer was lost) to the queue');
    }
    // Urgent mail first, in a claim of its own (up to the reserve beyond the slots) when an
    // urgent message may wait: woken for one, or, with every slot taken, a poll's time has
    // passed (an urgent retry coming due, another process's message). It commits on its own:
    // behind a deep queue the group commit is busy with batches of outcomes (on PostgreSQL two in
    // flight, tens of ms each under load), and a two-factor code waiting for a place among them
    // is what made its p99. Since slots are held only while attempting, they are rarely all
    // taken, so this is not for a full dispatcher only (bench:urgent, eleventh session).
    const urgentRoom = Math.min(this.o.batchSize, this.o.maxInFlight + this.o.urgentReserve - this.slotsHeld());
    const pollTime = now - this.lastUrgentLook >= this.o.pollMs || now < this.lastUrgentLook;
    let started = 0;
    if (urgentRoom > 0 && (this.urgentMayWait || (this.bulkRoom() <= 0 && pollTime))) {
      this.urgentMayWait = false;
      this.lastUrgentLook = now;
      started = this.startAttempts(await this.ctx.store.transaction((r) => this.claim(r, now, { limit: urgentRoom, minPriority: URGENT_PRIORITY })), now);
    }
    const room = Math.min(this.o.batchSize, this.bulkRoom());
    if (room <= 0) return started;
    const polled = !this.woken;
    this.woken = false;
    // An idle poll (the last claim found nothing, nobody woke the loop) first asks whether
    // anything is due, outside any transaction: an empty claim is a group commit on SQLite and a
    // transaction's round trips on PostgreSQL, ten times a second per idle process.
    if (polled && this.queueLookedEmpty && !(await repos.messages.anyDue({ now }))) return started;
    // Through the group commit: the claim shares its commit with concurrent accepts and outcomes.
    const claimed = await this.ctx.store.grouped((r) => this.claim(r, now, { limit: room }));
    this.queueLookedEmpty = claimed.length === 0;
    return started + this.startAttempts(claimed, now);
  }

  private claim(r: Repositories, now: number, want: { limit: number; minPriority?: number }) {
    return r.messages.claim({ owner: this.owner, now, leaseUntil: now + this.o.leaseMs, ...want });
  }

  /** Starts the attempts of claimed messages, each in a slot; returns how many. */
  private startAttempts(claimed: ClaimedMessage[], now: number): number {
    if (claimed.length) this.ctx.events.publish(...claimed.map((m) => ({ type: 'message.claimed' as const, messageId: m.id, at: now, owner: this.owner })));
    let largest = 0;
    for (const m of claimed) {
      largest = Math.max(largest, m.sizeBytes);
      this.attempting.set(m.id, m.sizeBytes);
      this.bytesAttempting += m.sizeBytes;
      this.track(m.id, () => this.deliver(m).finally(() => this.attemptOver(m.id)), (err) => this.bookkeepingFailed(m.id, err));
    }
    if (claimed.length) this.expectedBytes = Math.max(MIN_EXPECTED_BYTES, largest, Math.round(this.expectedBytes / 2));
    return claimed.length;
  }

  /**
   * A message's work failed before its attempt, or its outcome could not be recorded before this
   * worker stopped: it goes back to the queue (claimsInDoubt, or its lease). The store logs its own
   * outages, once per cause and minute: one line per message here flooded the log (387 lines in a
   * second of a 16 s outage), so a store outage is logged at debug level only.
   */
  private bookkeepingFailed(messageId: string, err: unknown): void {
    if (isStoreUnavailable(err)) this.opts.logger.debug({ err, messageId }, 'the store is unavailable: the message goes back to the queue once it answers');
    else this.opts.logger.error({ err, messageId }, 'delivery bookkeeping failed; the message goes back to the queue');
  }

  /** How many messages a claim may take now: free slots, as far as the content budget allows. */
  private bulkRoom(): number {
    return Math.min(this.o.maxInFlight - this.slotsHeld(), this.bytesRoom());
  }

  /** Messages attempting, and outcomes being recorded beyond their allowance (RECORDING_ALLOWANCE). */
  private slotsHeld(): number {
    const recording = this.inFlight.size - this.attempting.size;
    return this.attempting.size + Math.max(0, recording - RECORDING_ALLOWANCE * this.o.maxInFlight);
  }

  /** How many more messages of the expected size the content budget has room for (one when nothing is attempting). */
  private bytesRoom(): number {
    if (this.attempting.size === 0) return Math.max(1, Math.floor(this.o.maxInFlightBytes / this.expectedBytes));
    return Math.max(0, Math.floor((this.o.maxInFlightBytes - this.bytesAttempting) / this.expectedBytes));
  }

  /** The attempt is over (or never happened): its slot and its bytes go to the next message. */
  private attemptOver(id: string): void {
    const bytes = this.attempting.get(id);
    if (bytes === undefined) return;
    this.attempting.delete(id);
    this.bytesAttempting -= bytes;
    this.slotFreed();
  }

  private async deliver(m: ClaimedMessage): Promise<void> {
    const repos = this.ctx.store.repos;
    const now = this.ctx.clock.now();
    if (now >= m.expireAt) return this.finish(m, { status: 'expired', lastError: 'expired before it could be delivered', attempt: null, recipients: [] });
    let target: SendTarget | null = null;
    let message = m;
    if (!this.opts.deliverer.logOnly) {
      try {
        target = await this.untilStoreAnswers(m.leaseUntil, () => senderForAttempt(repos, m));
        // Here, not at the send: should the stored sender still be refused (senderOnAccount sends
        // a From that no longer parses as the account), it is the attempt's configuration failure,
        // recorded once, not an exception that left the message leased until its lease ran out.
        message = this.senderOn(m, target);
        const account = target.account;
        const slot = await this.untilStoreAnswers(m.leaseUntil, () => maySendNow(repos, account.id, now));
        if (!slot.allowed) {
          // Over a rate limit is not a failed attempt: wait for the window, count nothing.
          return this.finish(m, { status: 'deferred', nextAttemptAt: slot.retryAt, attemptCount: m.attemptCount, lastError: slot.reason, attempt: null, recipients: [] });
        }
      } catch (err) {
        // Nothing was sent; the lease returns the message to the queue once the store is back.
        if (!isMailroomError(err) || isStoreUnavailable(err)) throw err;
        return this.record(m, null, { accepted: [], rejected: [], failure: configFailure(err.message, err) }, 0);
      }
    }
    // Stopping: what has not gone to a connection yet stays in the queue (see lettingGo).
    if (this.stopping) return this.putBack(m);
    const started = performance.now();
    const report = await this.opts.deliverer.send(target, { message, recipients: m.pending.map((r) => r.address) });
    if (report.notAttempted !== undefined) return this.putBack(m);
    return this.record(m, target, report, performance.now() - started);
  }

  /**
   * senderOnAccount for this attempt, remembered per account version and stored sender (it
   * parses the From address; a busy queue sends thousands of messages with the same one).
   */
  private senders = new Map<string, { same: boolean; from: ClaimedMessage['from']; envelopeFrom: string }>();
  private senderOn(m: ClaimedMessage, target: SendTarget): ClaimedMessage {
    const key = `${target.account.id}@${target.account.version}\n${m.envelopeFrom}\n${m.from.address}\n${m.from.name ?? ''}`;
    let s = this.senders.get(key);
    if (!s) {
      if (this.senders.size >= 1_000) this.senders.clear();
      const fields = { from: m.from, envelopeFrom: m.envelopeFrom };
      const out = senderOnAccount(fields, target.account);
      s = { same: out === fields, from: out.from, envelopeFrom: out.envelopeFrom };
      this.senders.set(key, s);
    }
    return s.same ? m : { ...m, from: s.from, envelopeFrom: s.envelopeFrom };
  }

  /** Nothing was attempted (the process is stopping): the message returns to the queue as it was, for any process. */
  private async putBack(m: ClaimedMessage): Promise<void> {
    this.attemptOver(m.id);
    await this.untilStoreAnswers(m.leaseUntil, () => this.ctx.store.repos.messages.returnToQueue(this.owner, [m.id], this.ctx.clock.now()));
  }

  private async record(m: ClaimedMessage, target: SendTarget | null, report: AttemptReport, durationMs: number): Promise<void> {
    const now = this.ctx.clock.now();
    const { recipients, outcome } = classifyAttempt(
      m.pending.map((r) => r.address),
      report,
    );
    const attemptCount = m.attemptCount + 1;
    const accepted = m.acceptedBefore + recipients.filter((r) => r.status === 'accepted').length;
    const deferred = recipients.filter((r) => r.status === 'deferred').length;
    const policy = target?.server.retry ?? DEFAULT_RETRY;
    const after = statusAfterAttempt({ deferred, accepted }, { policy, attemptCount, now, expireAt: m.expireAt });
    const logged = this.opts.deliverer.logOnly;
    const status: MessageStatus = logged ? 'logged' : after.status;
    const nextAttemptAt = after.nextAttemptAt;
    const first = report.failure ?? recipients.find((r) => r.status !== 'accepted');
    const lastError = describe(report, recipients);
    const attempt: AttemptRecord = {
      id: newId('att', now),
      messageId: m.id,
      at: now - Math.round(durationMs),
      durationMs: Math.round(durationMs),
      accountId: target?.account.id ?? m.accountId,
      serverId: target?.server.id ?? m.serverId,
      outcome: logged ? 'logged' : outcome,
      code: report.failure?.code ?? (outcome === 'sent' ? (report.code ?? null) : (first && 'code' in first ? first.code : null)),
      enhancedCode: report.failure?.enhancedCode ?? (outcome === 'sent' ? (recipients[0]?.enhancedCode ?? null) : (first?.enhancedCode ?? null)),
      response: report.failure?.message ?? (outcome === 'sent' ? (report.response ?? recipients[0]?.response ?? null) : (first && 'response' in first ? first.response : null)),
      possibleDuplicate: report.possibleDuplicate?.reason ?? null,
      hint: outcome === 'sent' ? null : (report.failure?.hint ?? null),
      routes: report.routes ?? null,
    };
    if (attempt.possibleDuplicate) {
      this.opts.logger.warn({ messageId: m.id, reason: attempt.possibleDuplicate, retried: status === 'deferred' }, 'possible duplicate: the server may already have this message');
    }
    await this.finish(m, { status, nextAttemptAt, attemptCount, lastError, attempt, recipients, accountId: attempt.accountId, serverId: attempt.serverId });
  }

  private async finish(
    m: ClaimedMessage,
    w: Partial<AttemptWrite> & Pick<AttemptWrite, 'status' | 'lastError' | 'attempt' | 'recipients'>,
  ): Promise<void> {
    // Its slot goes to the next message while the outcome is recorded.
    this.attemptOver(m.id);
    const now = this.ctx.clock.now();
    const write: AttemptWrite = {
      messageId: m.id,
      leaseOwner: this.owner,
      nextAttemptAt: w.nextAttemptAt ?? now,
      attemptCount: w.attemptCount ?? m.attemptCount,
      sentAt: w.status === 'sent' || w.status === 'logged' ? now : null,
      accountId: w.accountId ?? m.accountId,
      serverId: w.serverId ?? m.serverId,
      now,
      ...w,
    };
    const final = write.status === 'failed' || write.status === 'expired' ? write.status : undefined;
    const events = outcomeEvents(m, write);
    // The attempt happened: keep its outcome until the store takes it (else a retry sends it
    // again). completeAttempt writes only while this worker holds the lease, which the rounds
    // renew meanwhile: past a lease that really ran out it answers false (another worker may have
    // the message, flagged a possible duplicate as the lease ran out), never a second outcome.
    const ok = await this.untilStoreTakes(() => this.ctx.store.grouped(async (repos) => {
      const done = await repos.messages.completeAttempt(write);
      if (!done) return false;
      // In the same commit as the outcome: webhooks can never miss it, even after a crash.
      await journal(repos.eventJournal, events);
      // Permanent failures and expiries are audited: someone may need to act on them.
      if (final) {
        await audit(repos, this.ctx, SYSTEM_ACTOR, `message.${final}`, { type: 'message', id: m.id }, undefined, { status: write.status, lastError: write.lastError, attempts: write.attemptCount });
      }
      return true;
    }));
    if (!ok) {
      this.opts.logger.warn({ messageId: m.id }, 'lost the lease on a message before recording its attempt; another worker has it');
      return;
    }
    this.ctx.events.publish(...events);
    if (final) this.opts.logger.warn({ messageId: m.id, status: write.status, error: write.lastError }, `message ${write.status}`);
  }
}

/** What an attempt's outcome tells: the attempt (when there was one) and the message's new status. */
function outcomeEvents(m: ClaimedMessage, write: AttemptWrite): MessageEvent[] {
  const events: MessageEvent[] = [];
  const messageId = m.id;
  if (write.attempt) {
    const a = write.attempt;
    events.push({ type: 'message.attempted', messageId, at: write.now, outcome: a.outcome, durationMs: a.durationMs, accountId: a.accountId, possibleDuplicate: a.possibleDuplicate !== null });
  }
  const type = STATUS_EVENTS[write.status];
  if (type) {
    const recipients = write.recipients.map((r) => ({ address: r.address, status: r.status, code: r.code, enhancedCode: r.enhancedCode }));
    events.push({
      type,
      messageId,
      at: write.now,
      reason: write.lastError,
      ...(write.status === 'deferred' ? { nextAttemptAt: write.nextAttemptAt } : {}),
      facts: { purpose: m.purpose, idempotencyKey: m.idempotencyKey, attemptCount: write.attemptCount, recipients },
    });
  }
  return events;
}

/** The event each status an attempt can end in publishes. */
const STATUS_EVENTS: Partial<Record<MessageStatus, MessageStatusChanged['type']>> = {
  sent: 'message.sent',
  deferred: 'message.deferred',
  failed: 'message.failed',
  expired: 'message.expired',
  logged: 'message.logged',
};

function describe(report: AttemptReport, recipients: { address: string; status: string; code: number | null; response: string | null }[]): string | null {
  if (report.failure) return report.failure.message;
  const bad = recipients.filter((r) => r.status !== 'accepted');
  if (!bad.length) return null;
  return bad.map((r) => `${r.address}: ${r.response ?? r.code ?? r.status}`).join('; ');
}
