import { idsBefore } from '../../core/kernel/ids.js';
import { sql, type Kysely } from 'kysely';
import type { StoreCapabilities } from '../../core/ports.js';
import type { JournalEntry } from '../../core/kernel/event-journal.js';
import type { ClaimedDelivery, DeliveryRecord, WebhookAttemptRecord, WebhookDeliveryRepository } from '../../core/webhooks/ports.js';
import { queryTemplate } from '../statement-cache.js';
import type { DB } from '../schema.js';
import { assertCursorRow } from '../pages.js';
import type { WebhookAttemptsTable, WebhookDeliveriesTable } from '../schema/webhooks.js';
import { oneOf, rowMapping, same } from './row-mapping.js';

const delivery = rowMapping<DeliveryRecord, WebhookDeliveriesTable>()({
  id: same,
  endpointId: same,
  eventId: same,
  eventType: same,
  status: oneOf<DeliveryRecord['status']>(),
  attemptCount: same,
  nextAttemptAt: same,
  leaseOwner: same,
  leaseUntil: same,
  lastStatusCode: same,
  lastError: same,
  replayOf: same,
  replayedBy: same,
  createdAt: same,
  updatedAt: same,
  completedAt: same,
});

/** A claimed delivery carries the event it delivers (read from the journal beside it). */
const claimedDelivery = delivery.withComputed({ event: (r: WebhookDeliveriesTable & { event: JournalEntry }) => r.event });

const attempt = rowMapping<WebhookAttemptRecord, WebhookAttemptsTable>()({
  id: same,
  deliveryId: same,
  at: same,
  durationMs: same,
  outcome: oneOf<WebhookAttemptRecord['outcome']>(),
  statusCode: same,
  error: same,
  responseExcerpt: same,
});

/** Rows per INSERT when the fan-out queues many deliveries (far below both dialects' parameter limits). */
const INSERT_CHUNK = 200;

// Once per attempt while a queue drains: compiled once, prepared on PostgreSQL.
const completeDelivery = queryTemplate<'status' | 'count' | 'next' | 'code' | 'error' | 'completed' | 'now' | 'id' | 'owner'>((db, slot) =>
  db
    .updateTable('webhook_deliveries')
    .set({
      status: slot('status'),
      attempt_count: slot('count'),
      next_attempt_at: slot('next'),
      last_status_code: slot('code'),
      last_error: slot('error'),
      completed_at: slot('completed'),
      lease_owner: null,
      lease_until: null,
      updated_at: slot('now'),
    })
    .where('id', '=', slot('id'))
    .where('lease_owner', '=', slot('owner'))
    .where('status', '=', 'sending'),
);
const ATTEMPT_COLUMNS = ['id', 'delivery_id', 'at', 'duration_ms', 'outcome', 'status_code', 'error', 'response_excerpt'] as const;
const insertAttempt = queryTemplate<(typeof ATTEMPT_COLUMNS)[number]>((db, slot) => db.insertInto('webhook_attempts').values(Object.fromEntries(ATTEMPT_COLUMNS.map((c) => [c, slot(c)])) as never));

/** Literal statuses: a planner matches a partial index against constants only. */
const PENDING = sql<boolean>`status = 'pending'`;

/** `scans`: where its pages are read (SQLite: the connection off the event loop, see messagesRepository); `db` unless given. */
export function webhookDeliveriesRepository(db: Kysely<DB>, caps: StoreCapabilities, scans: Kysely<DB> = db): WebhookDeliveryRepository {
  const release = (now: number) => db.updateTable('webhook_deliveries').set({ status: 'pending', lease_owner: null, lease_until: null, updated_at: now }).where('status', '=', 'sending');
  return {
    async insert(rows) {
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) await db.insertInto('webhook_deliveries').values(rows.slice(i, i + INSERT_CHUNK).map(delivery.toRow)).execute();
    },
    async dueEndpoints(now) {
      const rows = await db
        .selectFrom('webhook_endpoints as e')
        .select('e.id')
        .where('e.enabled', '=', 1)
        .where(({ exists, selectFrom }) => exists(selectFrom('webhook_deliveries as d').select('d.id').whereRef('d.endpoint_id', '=', 'e.id').where(sql<boolean>`d.status = 'pending'`).where('d.next_attempt_at', '<=', now)))
        .execute();
      return rows.map((r) => r.id);
    },
    async claim({ endpointId, owner, now, leaseUntil, limit }) {
      const lock = caps.supportsSkipLocked ? sql` for update skip locked` : sql``;
      const due = sql<string>`(select id from webhook_deliveries where endpoint_id = ${endpointId} and status = 'pending' and next_attempt_at <= ${now} order by next_attempt_at limit ${limit}${lock})`;
      const rows = await db
        .updateTable('webhook_deliveries')
        .set({ status: 'sending', lease_owner: owner, lease_until: leaseUntil, updated_at: now })
        .where('id', 'in', due)
        .where(PENDING)
        .returningAll()
        .execute();
      if (!rows.length) return [];
      const events = await db.selectFrom('event_journal').select(['id', 'type', 'message_id', 'at', 'data']).where('id', 'in', [...new Set(rows.map((r) => r.event_id))]).execute();
      const byId = new Map(events.map((e) => [e.id, { id: e.id, type: e.type, messageId: e.message_id, at: Number(e.at), data: e.data }]));
      return rows.map((r): ClaimedDelivery => claimedDelivery.toDomain({ ...r, event: byId.get(r.event_id)! })).sort((a, b) => a.nextAttemptAt - b.nextAttemptAt);
    },
    async complete(w) {
      const res = await completeDelivery(db, {
        status: w.status,
        count: w.attemptCount,
        next: w.nextAttemptAt,
        code: w.lastStatusCode,
        error: w.lastError,
        completed: w.completedAt,
        now: w.now,
        id: w.deliveryId,
        owner: w.leaseOwner,
      });
      if (Number(res.numAffectedRows ?? 0) === 0) return false;
      const a = w.attempt;
      await insertAttempt(db, { id: a.id, delivery_id: a.deliveryId, at: a.at, duration_ms: a.durationMs, outcome: a.outcome, status_code: a.statusCode, error: a.error, response_excerpt: a.responseExcerpt });
      return true;
    },
    async pullForward(endpointId, now, limit) {
      // The due index (endpoint_id, next_attempt_at where pending) finds the next `limit` at once,
      // however many were pulled forward before.
      const waiting = db.selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', endpointId).where(PENDING).where('next_attempt_at', '>', now).limit(limit);
      const res = await db.updateTable('webhook_deliveries').set({ next_attempt_at: now, updated_at: now }).where('id', 'in', waiting).where(PENDING).where('next_attempt_at', '>', now).executeTakeFirst();
      return Number(res.numUpdatedRows);
    },
    async deleteSome(endpointId, limit) {
      const ids = (await db.selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', endpointId).limit(limit).execute()).map((r) => r.id);
      if (!ids.length) return 0;
      await db.deleteFrom('webhook_attempts').where('delivery_id', 'in', ids).execute();
      await db.deleteFrom('webhook_deliveries').where('id', 'in', ids).execute();
      return ids.length;
    },
    async deleteFinished({ before, after, limit }) {
      // As the messages' retention: a window of the primary key from where the last one ended.
      let scan = db.selectFrom('webhook_deliveries').select('id').where('id', '<', idsBefore('whd', before)).orderBy('id').limit(limit);
      if (after !== undefined) scan = scan.where('id', '>', after);
      const window = (await scan.execute()).map((r) => r.id);
      if (!window.length) return { deleted: 0, next: null };
      let pick = db
        .selectFrom('webhook_deliveries')
        .select(['id', 'event_id'])
        .where('id', 'in', window)
        .where('status', 'in', ['succeeded', 'failed'])
        .where(sql<boolean>`coalesce(completed_at, updated_at) < ${before}`);
      if (caps.supportsSkipLocked) pick = pick.forUpdate().skipLocked();
      const rows = await pick.execute();
      const next = window.length < limit ? null : window[window.length - 1];
      if (!rows.length) return { deleted: 0, next };
      const ids = rows.map((r) => r.id);
      await db.deleteFrom('webhook_attempts').where('delivery_id', 'in', ids).execute();
      await db.deleteFrom('webhook_deliveries').where('id', 'in', ids).execute();
      // An event's payload goes with its last delivery (a replay is a delivery of the same event,
      // and one still waiting keeps it); an entry the fan-out has not read yet is never touched.
      const events = [...new Set(rows.map((r) => r.event_id))];
      await db
        .deleteFrom('event_journal')
        .where('id', 'in', events)
        .where('pending', '=', 0)
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('webhook_deliveries as d').select('d.id').whereRef('d.event_id', '=', 'event_journal.id'))))
        .execute();
      return { deleted: ids.length, next };
    },
    async releaseExpiredLeases(now) {
      return Number((await release(now).where('lease_until', '<', now).executeTakeFirst()).numUpdatedRows);
    },
    async releaseLeasesOf(owner, keep, now) {
      let q = release(now).where('lease_owner', '=', owner);
      if (keep.length) q = q.where('id', 'not in', keep);
      return Number((await q.executeTakeFirst()).numUpdatedRows);
    },
    async releaseClaims(owner, ids, now) {
      if (!ids.length) return 0;
      return Number((await release(now).where('lease_owner', '=', owner).where('id', 'in', ids).executeTakeFirst()).numUpdatedRows);
    },
    async list(query) {
      // Another endpoint's delivery is no cursor this endpoint's list handed out either.
      if (query.cursor) await assertCursorRow(scans.selectFrom('webhook_deliveries').select('id').where('id', '=', query.cursor).where('endpoint_id', '=', query.endpointId));
      // ids are time-ordered: newest first is "id descending", the cursor is the last id seen.
      let q = scans.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', query.endpointId).orderBy('id', 'desc').limit(query.limit + 1);
      if (query.status?.length) q = q.where('status', 'in', query.status);
      if (query.eventType) q = q.where('event_type', '=', query.eventType);
      if (query.since !== undefined) q = q.where('created_at', '>=', query.since);
      if (query.until !== undefined) q = q.where('created_at', '<', query.until);
      if (query.cursor) q = q.where('id', '<', query.cursor);
      const rows = await q.execute();
      const page = rows.slice(0, query.limit);
      return { items: page.map(delivery.toDomain), nextCursor: rows.length > query.limit ? page[page.length - 1].id : null };
    },
    async get(id) {
      const r = await db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
      return r && delivery.toDomain(r);
    },
    async getMany(ids) {
      if (!ids.length) return [];
      return (await db.selectFrom('webhook_deliveries').selectAll().where('id', 'in', ids).execute()).map(delivery.toDomain);
    },
    async attempts(deliveryId) {
      return (await db.selectFrom('webhook_attempts').selectAll().where('delivery_id', '=', deliveryId).orderBy('at').orderBy('id').execute()).map(attempt.toDomain);
    },
    async failedIds(endpointId, since, until, limit) {
      const rows = await db
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('endpoint_id', '=', endpointId)
        .where('status', '=', 'failed')
        .where('created_at', '>=', since)
        .where('created_at', '<', until)
        .where('replayed_by', 'is', null)
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map((r) => r.id);
    },
    async markReplayed(replays, now) {
      if (!replays.length) return [];
      // Each row its own replay, in one statement.
      const by = sql<string>`case id ${sql.join(replays.map((r) => sql`when ${r.id} then ${r.by}`), sql` `)} end`;
      const ids = replays.map((r) => r.id);
      const rows = await db
        .updateTable('webhook_deliveries')
        .set({ replayed_by: by, updated_at: now })
        .where('id', 'in', ids)
        .where('replayed_by', 'is', null)
        .returning('id')
        .execute();
      return rows.map((r) => r.id);
    },
  };
}
