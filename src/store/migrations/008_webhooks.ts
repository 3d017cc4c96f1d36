import { sql, type Kysely } from 'kysely';
import { creatorTimestampsAndVersion } from './columns.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Webhooks: the event journal, endpoints, their delivery queue and every attempt.
 *
 * The journal is written in the same transaction as the message change it describes (an
 * attempt's outcome, a cancellation), so an event exists exactly when its change does: a
 * crash between the two is impossible. A fan-out reads the journal rows still `pending`
 * (a flag, not a cursor: on PostgreSQL concurrent transactions commit out of id order, and a
 * cursor would step over a row committed late) and queues one delivery per matching endpoint.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('event_journal')
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('type', 'varchar(64)', (c) => c.notNull())
    .addColumn('message_id', 'varchar(40)')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('pending', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  // Only the rows the fan-out has still to read: small whatever the journal's size.
  await sql`create index event_journal_pending_idx on event_journal (id) where pending = 1`.execute(db);

  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('description', 'varchar(200)')
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('secret_id', 'varchar(40)', (c) => c.notNull())
    .addColumn('previous_secret_id', 'varchar(40)')
    .addColumn('rotation_ends_at', 'bigint')
    .addColumn('last_success_at', 'bigint')
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('first_failure_at', 'bigint')
    .addColumn('last_failure_at', 'bigint')
    .addColumn('disabled_reason', 'text')
    .addColumn('disabled_at', 'bigint')
    .$call(creatorTimestampsAndVersion)
    .execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('endpoint_id', 'varchar(40)', (c) => c.notNull().references('webhook_endpoints.id').onDelete('cascade'))
    .addColumn('event_id', 'varchar(40)', (c) => c.notNull().references('event_journal.id'))
    .addColumn('event_type', 'varchar(64)', (c) => c.notNull())
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    .addColumn('attempt_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_owner', 'varchar(100)')
    .addColumn('lease_until', 'bigint')
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('replay_of', 'varchar(40)')
    .addColumn('replayed_by', 'varchar(40)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('completed_at', 'bigint')
    .execute();
  // The claim: an endpoint's due deliveries, oldest first; only waiting rows are in it.
  await sql`create index webhook_deliveries_due_idx on webhook_deliveries (endpoint_id, next_attempt_at) where status = 'pending'`.execute(db);
  // The delivery log of one endpoint, newest first, and "failed in a time range" (replay).
  await db.schema.createIndex('webhook_deliveries_log_idx').on('webhook_deliveries').columns(['endpoint_id', 'id']).execute();
  await db.schema.createIndex('webhook_deliveries_status_idx').on('webhook_deliveries').columns(['endpoint_id', 'status', 'created_at']).execute();
  await db.schema.createIndex('webhook_deliveries_event_idx').on('webhook_deliveries').columns(['event_id']).execute();
  // Leases to return after a crash: only rows being sent.
  await sql`create index webhook_deliveries_sending_idx on webhook_deliveries (lease_until) where status = 'sending'`.execute(db);

  await db.schema
    .createTable('webhook_attempts')
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('delivery_id', 'varchar(40)', (c) => c.notNull().references('webhook_deliveries.id').onDelete('cascade'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('outcome', 'varchar(20)', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('response_excerpt', 'text')
    .execute();
  await db.schema.createIndex('webhook_attempts_delivery_idx').on('webhook_attempts').columns(['delivery_id', 'at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['webhook_attempts', 'webhook_deliveries', 'webhook_endpoints', 'event_journal']) await db.schema.dropTable(t).execute();
}
