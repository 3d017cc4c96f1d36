import type { Principal } from '../access/auth.js';
import type { Actor } from '../kernel/audit.js';
import { audit, type CoreContext } from '../context.js';
import { ErrorCodes, invalid, MailroomError, notAllowed, notFound } from '../kernel/errors.js';
import { sumOverChunks } from '../kernel/bulk-chunks.js';
import { assertCursor, newId } from '../kernel/ids.js';
import type { RateWindow } from '../kernel/rate-window.js';
import { commaList, doc, onlyKeys, optStr } from '../kernel/validate.js';
import { parseTimeRange } from '../kernel/instants.js';
import { newDelivery } from './delivery-queue.js';
import { TEST_EVENT_TYPE, WEBHOOK_EVENT_TYPES } from './event-types.js';
import { webhookBody } from './payload.js';
import { DELIVERY_STATUSES, type DeliveryQuery, type DeliveryRecord, type DeliveryStatus, type StoredEndpoint, type WebhookAttemptRecord } from './ports.js';
import type { Repositories } from '../ports.js';

/** A delivery as the log shows it: `nextAttemptAt` only while one is to come (pending), else null. */
export type WebhookDelivery = Omit<DeliveryRecord, 'leaseOwner' | 'leaseUntil' | 'nextAttemptAt'> & { nextAttemptAt: number | null };

export interface WebhookDeliveryDetail extends WebhookDelivery {
  /** The webhook-id header: the event's id, the same on every attempt and replay (receivers deduplicate on it). */
  webhookId: string;
  /** The body as sent: `{ type, timestamp, data }`. */
  payload: unknown;
  attempts: WebhookAttemptRecord[];
}

// The stored time stays once a delivery ends (the due index needs a value); read as "next
// attempt at" it would promise one that never comes.
const view = ({ leaseOwner: _o, leaseUntil: _u, ...d }: DeliveryRecord): WebhookDelivery => ({ ...d, nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt : null });

/** Replay-all touches at most this many deliveries per call; the answer says when more matched. */
export const REPLAY_LIMIT = 10_000;

async function endpointOf(repos: Repositories, id: string): Promise<StoredEndpoint> {
  const e = await repos.webhookEndpoints.get(id);
  if (!e) throw notFound('webhook', id);
  return e;
}

function requireEnabled(e: StoredEndpoint, action: string): void {
  if (!e.enabled) {
    const why = e.disabledReason ? ` (Mailroom switched it off: ${e.disabledReason})` : '';
    throw new MailroomError(ErrorCodes.INVALID_STATE, `webhook ${e.id} is disabled${why}; switch it on before you ${action}`, { enabled: false });
  }
}

/** The log's query as the API gives it (strings; statuses comma-separated). */
export function parseDeliveryQuery(endpointId: string, q: Record<string, string | undefined>, limit: number): DeliveryQuery {
  const statuses = q.status === undefined ? undefined : commaList('status', q.status);
  for (const s of statuses ?? []) if (!(DELIVERY_STATUSES as readonly string[]).includes(s)) throw notAllowed('status', `"${s}" is not a delivery status; use ${DELIVERY_STATUSES.join(', ')}`, DELIVERY_STATUSES);
  const eventType = optStr('eventType', q.eventType, { max: 64 });
  if (eventType && eventType !== TEST_EVENT_TYPE && !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(eventType)) {
    throw notAllowed('eventType', `"${eventType}" is not an event; use ${[...WEBHOOK_EVENT_TYPES, TEST_EVENT_TYPE].join(', ')}`, [...WEBHOOK_EVENT_TYPES, TEST_EVENT_TYPE]);
  }
  assertCursor('whd', q.cursor);
  return { endpointId, status: statuses as DeliveryStatus[] | undefined, eventType, ...parseTimeRange(q.since, q.until), cursor: q.cursor, limit };
}

export async function listDeliveries(ctx: CoreContext, query: DeliveryQuery): Promise<{ items: WebhookDelivery[]; nextCursor: string | null }> {
  const repos = ctx.store.repos;
  await endpointOf(repos, query.endpointId);
  const page = await repos.webhookDeliveries.list(query);
  return { items: page.items.map(view), nextCursor: page.nextCursor };
}

export async function getDelivery(ctx: CoreContext, endpointId: string, id: string): Promise<WebhookDeliveryDetail> {
  const repos = ctx.store.repos;
  const d = await repos.webhookDeliveries.get(id);
  if (!d || d.endpointId !== endpointId) throw notFound('delivery', id);
  const [event, attempts] = await Promise.all([repos.eventJournal.get(d.eventId), repos.webhookDeliveries.attempts(id)]);
  return { ...view(d), webhookId: d.eventId, payload: event ? JSON.parse(webhookBody(event)) : null, attempts };
}

function replayedAlready(id: string, by: string | null): MailroomError {
  return new MailroomError(ErrorCodes.INVALID_STATE, `delivery ${id} was replayed already as ${by}; to send the event again, replay ${by}`, { replayedBy: by });
}

/**
 * Sends the same event (same webhook-id and body) to the endpoint again, as a new delivery
 * with its own attempts; the original keeps its log and points to the replay.
 */
export async function replayDelivery(ctx: CoreContext, actor: Actor, endpointId: string, id: string): Promise<WebhookDelivery> {
  return ctx.store.transaction(async (repos) => {
    const e = await endpointOf(repos, endpointId);
    const d = await repos.webhookDeliveries.get(id);
    if (!d || d.endpointId !== endpointId) throw notFound('delivery', id);
    requireEnabled(e, 'replay a delivery');
    if (d.status === 'pending' || d.status === 'sending') throw new MailroomError(ErrorCodes.INVALID_STATE, `delivery ${id} is ${d.status}: it is still being delivered; replay it once it has succeeded or failed`, { status: d.status });
    // A delivery names one replay: a second one (a double click, a repeated request) would queue
    // another copy nothing points to. Replaying the replay sends the event again.
    if (d.replayedBy) throw replayedAlready(id, d.replayedBy);
    const now = ctx.clock.now();
    const replay = newDelivery(endpointId, { id: d.eventId, type: d.eventType }, now, d.id);
    // Only once: a replay racing with this one keeps its own.
    if (!(await repos.webhookDeliveries.markReplayed([{ id: d.id, by: replay.id }], now)).length) throw replayedAlready(id, (await repos.webhookDeliveries.get(id))?.replayedBy ?? null);
    await repos.webhookDeliveries.insert([replay]);
    await audit(repos, ctx, actor, 'webhook.replay', { type: 'webhook', id: endpointId }, undefined, { deliveryId: d.id, replayId: replay.id, eventType: d.eventType });
    return view(replay);
  });
}

/** Replays every failed delivery of the endpoint created in [since, until) that was not replayed yet. */
export async function replayFailed(ctx: CoreContext, actor: Actor, endpointId: string, input: unknown): Promise<{ count: number; more: boolean }> {
  const d = doc('replay', input ?? {});
  onlyKeys('replay', d, ['since', 'until']);
  const now = ctx.clock.now();
  if (d.since === undefined || d.since === null || d.since === '') throw invalid('since', 'is required: replay the failed deliveries created since when?');
  const range = parseTimeRange(d.since, d.until, now + 1);
  const [since, until] = [range.since as number, range.until as number];
  const repos = ctx.store.repos;
  requireEnabled(await endpointOf(repos, endpointId), 'replay deliveries');
  const ids = await repos.webhookDeliveries.failedIds(endpointId, since, until, REPLAY_LIMIT + 1);
  const more = ids.length > REPLAY_LIMIT;
  const count = await sumOverChunks(ids.slice(0, REPLAY_LIMIT), (chunk) =>
    // Through the group commit: a chunk shares its commit with concurrent accepts (bulk-chunks.ts).
    ctx.store.grouped(async (r) => {
      // Looked at again inside the transaction: one replayed or changed meanwhile is skipped.
      const originals = (await r.webhookDeliveries.getMany(chunk)).filter((d) => d.status === 'failed' && !d.replayedBy);
      const replays = new Map(originals.map((d) => [d.id, newDelivery(endpointId, { id: d.eventId, type: d.eventType }, now, d.id)]));
      // Only once: a replay racing with this one keeps its own.
      const marked = await r.webhookDeliveries.markReplayed([...replays].map(([id, replay]) => ({ id, by: replay.id })), now);
      await r.webhookDeliveries.insert(marked.map((id) => replays.get(id) as DeliveryRecord));
      return marked.length;
    }),
  );
  await audit(repos, ctx, actor, 'webhook.bulk_replay', { type: 'webhook', id: endpointId }, undefined, { since: new Date(since).toISOString(), until: new Date(until).toISOString(), count, more });
  return { count, more };
}

/**
 * Queues a `webhook.test` event for this endpoint alone, whatever it subscribes to: the same
 * queue, signature, retries and log as real events, so it proves the whole path.
 */
export async function sendTestEvent(ctx: CoreContext, actor: Actor, principal: Principal, limiter: RateWindow, endpointId: string): Promise<{ eventId: string; deliveryId: string }> {
  const repos = ctx.store.repos;
  requireEnabled(await endpointOf(repos, endpointId), 'send a test event');
  limiter.take(principal.id);
  const now = ctx.clock.now();
  return ctx.store.transaction(async (r) => {
    const event = {
      id: newId('evt', now),
      type: TEST_EVENT_TYPE,
      messageId: null,
      at: now,
      data: JSON.stringify({ endpointId, message: 'A test event from Mailroom: your endpoint received it and can check its signature.', sentBy: actor.label }),
    };
    await r.eventJournal.append([event], { read: true });
    const delivery = newDelivery(endpointId, event, now);
    await r.webhookDeliveries.insert([delivery]);
    await audit(r, ctx, actor, 'webhook.test', { type: 'webhook', id: endpointId }, undefined, { eventId: event.id, deliveryId: delivery.id });
    return { eventId: event.id, deliveryId: delivery.id };
  });
}
