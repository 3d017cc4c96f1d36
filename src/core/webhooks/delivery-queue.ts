/**
 * The worker's side of the webhook queue: the fan-out (journal → one delivery per matching
 * endpoint) and the bookkeeping of each attempt. Rules only; src/webhooks sends the requests.
 */
import { SYSTEM_ACTOR } from '../kernel/audit.js';
import { audit, type CoreContext } from '../context.js';
import { newId } from '../kernel/ids.js';
import { autoDisableReason, judgeAnswer, type ReceiverAnswer } from './attempt-outcome.js';
import type { ClaimedDelivery, DeliveryOutcomeWrite, DeliveryRecord, WebhookAttemptRecord } from './ports.js';
import { retryDelayMs } from './retry-schedule.js';

/** Journal entries read per fan-out transaction, at most. */
export const FAN_OUT_BATCH = 500;

/**
 * Deliveries queued per fan-out transaction, at most: with many endpoints each entry becomes as
 * many rows, and 500 entries for 20 endpoints (10,000 rows) held SQLite's event loop 176 ms
 * (100 endpoints: 1.5 s). At 1,000: 27 ms (58 ms), for a third more time in all — still tens of
 * thousands of deliveries a second, far more than receivers take (500: 1.5× slower again).
 */
export const FAN_OUT_DELIVERIES = 1_000;

/**
 * Waiting retries made due per transaction when an endpoint answers again: a long outage leaves
 * 100,000 of them, which one UPDATE moved in 160–220 ms with SQLite's event loop held.
 */
export const PULL_FORWARD_CHUNK = 1_000;

/**
 * Makes the rest of an endpoint's waiting retries due now, a chunk per group-committed
 * transaction, after the first chunk moved in the transaction that saw it recover; how many.
 */
export async function pullBacklogForward(ctx: CoreContext, endpointId: string, now: number): Promise<number> {
  let moved = 0;
  for (;;) {
    const n = await ctx.store.grouped((r) => r.webhookDeliveries.pullForward(endpointId, now, PULL_FORWARD_CHUNK));
    moved += n;
    if (n < PULL_FORWARD_CHUNK) return moved;
  }
}

/** A new delivery of `eventId` to `endpointId`, due now. */
export function newDelivery(endpointId: string, event: { id: string; type: string }, now: number, replayOf: string | null = null): DeliveryRecord {
  return {
    id: newId('whd', now),
    endpointId,
    eventId: event.id,
    eventType: event.type,
    status: 'pending',
    attemptCount: 0,
    nextAttemptAt: now,
    leaseOwner: null,
    leaseUntil: null,
    lastStatusCode: null,
    lastError: null,
    replayOf,
    replayedBy: null,
    createdAt: now,
    updatedAt: now,
    completedAt: null,
  };
}

/** What one fan-out did. */
export interface FanOutResult {
  /** Journal entries read. */
  read: number;
  /** Whether it read as many as it could take: there may be more. */
  more: boolean;
  /** Whether any enabled endpoint existed. */
  endpoints: boolean;
}

/**
 * Reads unread journal entries and queues a delivery for every enabled endpoint subscribed to
 * each, in one transaction with marking them read: an entry is queued once, or (after a crash)
 * not yet. Entries no endpoint wants are dropped. As many entries as make at most
 * FAN_OUT_DELIVERIES deliveries (FAN_OUT_BATCH with one endpoint). Says how many entries were
 * read, whether there may be more, and whether any endpoint was enabled (the worker looks less
 * often without one).
 */
export async function fanOut(ctx: CoreContext): Promise<FanOutResult> {
  return ctx.store.grouped(async (repos): Promise<FanOutResult> => {
    const endpoints = (await repos.webhookEndpoints.list()).filter((e) => e.enabled);
    const limit = Math.max(1, Math.min(FAN_OUT_BATCH, Math.floor(FAN_OUT_DELIVERIES / Math.max(1, endpoints.length))));
    const entries = await repos.eventJournal.unread(limit);
    // An empty journal may be empty because no endpoint is enabled (nothing is journaled then):
    // the answer still says so, and the worker looks less often.
    if (!entries.length) return { read: 0, more: false, endpoints: endpoints.length > 0 };
    const now = ctx.clock.now();
    const deliveries: DeliveryRecord[] = [];
    const keep: string[] = [];
    const drop: string[] = [];
    for (const entry of entries) {
      const targets = endpoints.filter((e) => (e.events as readonly string[]).includes(entry.type));
      (targets.length ? keep : drop).push(entry.id);
      for (const e of targets) deliveries.push(newDelivery(e.id, entry, now));
    }
    await repos.webhookDeliveries.insert(deliveries);
    await repos.eventJournal.markRead(keep, drop);
    return { read: entries.length, more: entries.length === limit, endpoints: endpoints.length > 0 };
  });
}

export interface RecordedAttempt {
  /** False when the lease was lost (another worker has the delivery): nothing was written. */
  recorded: boolean;
  status?: DeliveryRecord['status'];
  /** Set when this attempt made Mailroom switch the endpoint off, with the reason. */
  disabled?: string;
  /** Set when the endpoint recovered with more waiting retries than one chunk: pullBacklogForward moves the rest. */
  backlog?: boolean;
}

/**
 * Writes one attempt and what follows from it, in one commit: the delivery's new state (done,
 * retried on the schedule or failed for good), the endpoint's streak, and the consequences — a
 * success that ends a failing streak makes the endpoint's waiting retries due now (the
 * receiver is back: every event arrives without waiting out its own backoff); 410 Gone or a
 * long failing streak switches the endpoint off, audited.
 */
export async function recordAttempt(ctx: CoreContext, owner: string, d: ClaimedDelivery, answer: ReceiverAnswer, random: () => number = Math.random): Promise<RecordedAttempt> {
  const now = ctx.clock.now();
  const j = judgeAnswer(answer, now);
  const attemptCount = d.attemptCount + 1;
  const delay = j.succeeded ? null : retryDelayMs(attemptCount, random, j.retryAfterMs);
  const status: DeliveryRecord['status'] = j.succeeded ? 'succeeded' : delay === null ? 'failed' : 'pending';
  const attempt: WebhookAttemptRecord = {
    id: newId('wha', now),
    deliveryId: d.id,
    at: now - answer.durationMs,
    durationMs: answer.durationMs,
    outcome: j.succeeded ? 'succeeded' : 'failed',
    statusCode: j.statusCode,
    error: j.error,
    responseExcerpt: answer.kind === 'response' ? answer.excerpt : null,
  };
  const write: DeliveryOutcomeWrite = {
    deliveryId: d.id,
    leaseOwner: owner,
    status,
    attemptCount,
    nextAttemptAt: delay === null ? now : now + delay,
    lastStatusCode: j.statusCode,
    lastError: j.error,
    completedAt: status === 'pending' ? null : now,
    now,
    attempt,
  };
  return ctx.store.grouped(async (repos): Promise<RecordedAttempt> => {
    if (!(await repos.webhookDeliveries.complete(write))) return { recorded: false };
    if (j.succeeded) {
      const recovered = await repos.webhookEndpoints.recordSuccess(d.endpointId, now);
      const pulled = recovered ? await repos.webhookDeliveries.pullForward(d.endpointId, now, PULL_FORWARD_CHUNK) : 0;
      return { recorded: true, status, ...(pulled === PULL_FORWARD_CHUNK ? { backlog: true } : {}) };
    }
    const streak = await repos.webhookEndpoints.recordFailure(d.endpointId, now);
    const reason = j.gone ? j.error! : streak ? autoDisableReason(streak, now) : null;
    if (reason && (await repos.webhookEndpoints.disable(d.endpointId, reason, now))) {
      await audit(repos, ctx, SYSTEM_ACTOR, 'webhook.auto_disable', { type: 'webhook', id: d.endpointId }, { enabled: true }, { enabled: false, disabledReason: reason, deliveryId: d.id });
      return { recorded: true, status, disabled: reason };
    }
    return { recorded: true, status };
  });
}
