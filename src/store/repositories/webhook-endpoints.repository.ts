import { sql, type Kysely } from 'kysely';
import type { DeliveryCounts, StoredEndpoint, WebhookEndpointRepository } from '../../core/webhooks/ports.js';
import { queryTemplate } from '../statement-cache.js';
import type { DB } from '../schema.js';
import type { WebhookEndpointsTable } from '../schema/webhooks.js';
import { bool, json, rowMapping, same } from './row-mapping.js';
import { keyedTable } from './keyed-table.js';

/** While successes stream in, last_success_at is rewritten at most this often (one row every delivery would share). */
const SUCCESS_TIME_RESOLUTION_MS = 10_000;

// Once per successful delivery: compiled once, prepared on PostgreSQL.
const endStreak = queryTemplate<'now' | 'id'>((db, slot) =>
  db.updateTable('webhook_endpoints').set({ consecutive_failures: 0, first_failure_at: null, last_success_at: slot('now') }).where('id', '=', slot('id')).where('consecutive_failures', '>', 0),
);
const noteSuccess = queryTemplate<'now' | 'id' | 'before'>((db, slot) =>
  db
    .updateTable('webhook_endpoints')
    .set({ last_success_at: slot('now') })
    .where('id', '=', slot('id'))
    .where((eb) => eb.or([eb('last_success_at', 'is', null), eb('last_success_at', '<', slot('before'))])),
);

const endpoint = rowMapping<StoredEndpoint, WebhookEndpointsTable>()({
  id: same,
  url: same,
  description: same,
  events: json<StoredEndpoint['events']>([]),
  enabled: bool,
  secretId: same,
  previousSecretId: same,
  rotationEndsAt: same,
  lastSuccessAt: same,
  consecutiveFailures: same,
  firstFailureAt: same,
  lastFailureAt: same,
  disabledReason: same,
  disabledAt: same,
  createdBy: same,
  createdAt: same,
  updatedAt: same,
  version: same,
});

export function webhookEndpointsRepository(db: Kysely<DB>): WebhookEndpointRepository {
  return {
    ...keyedTable(db, { table: 'webhook_endpoints', key: 'id', mapping: endpoint, order: ['id'], fixed: ['created_at'] }),
    async counts(ids, since) {
      const out = new Map<string, DeliveryCounts>(ids.map((id) => [id, { pending: 0, succeeded: 0, failed: 0 }]));
      if (!ids.length) return out;
      const waiting = await db
        .selectFrom('webhook_deliveries')
        .select(['endpoint_id', sql<number>`count(*)`.as('n')])
        .where('endpoint_id', 'in', ids)
        .where('status', 'in', ['pending', 'sending'])
        .groupBy('endpoint_id')
        .execute();
      for (const r of waiting) out.get(r.endpoint_id)!.pending = Number(r.n);
      const ended = await db
        .selectFrom('webhook_deliveries')
        .select(['endpoint_id', 'status', sql<number>`count(*)`.as('n')])
        .where('endpoint_id', 'in', ids)
        .where('status', 'in', ['succeeded', 'failed'])
        .where('created_at', '>=', since)
        .groupBy(['endpoint_id', 'status'])
        .execute();
      for (const r of ended) out.get(r.endpoint_id)![r.status as 'succeeded' | 'failed'] = Number(r.n);
      return out;
    },
    async recordFailure(id, now) {
      const r = await db
        .updateTable('webhook_endpoints')
        .set((eb) => ({ consecutive_failures: eb('consecutive_failures', '+', 1), first_failure_at: sql<number>`coalesce(first_failure_at, ${now})`, last_failure_at: now }))
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return r && endpoint.toDomain(r);
    },
    async recordSuccess(id, now) {
      if (Number((await endStreak(db, { now, id })).numAffectedRows ?? 0) > 0) return true;
      await noteSuccess(db, { now, id, before: now - SUCCESS_TIME_RESOLUTION_MS });
      return false;
    },
    async disable(id, reason, now) {
      const res = await db
        .updateTable('webhook_endpoints')
        .set((eb) => ({ enabled: 0, disabled_reason: reason, disabled_at: now, updated_at: now, version: eb('version', '+', 1) }))
        .where('id', '=', id)
        .where('enabled', '=', 1)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
  };
}
