import type { Kysely } from 'kysely';
import { creatorTimestampsAndVersion } from './columns.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Events and notification rules. An event is stored in the same commit as the messages its
 * rules made (`notify_event_messages` links them), so `202` means both are on disk and the
 * same event id again finds the first answer. `auto_replies` remembers when each address last
 * got a contact auto-reply (at most one a day).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('notify_rules')
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('conditions', 'text', (c) => c.notNull())
    .addColumn('recipients', 'text', (c) => c.notNull())
    .addColumn('template', 'varchar(64)', (c) => c.notNull())
    .addColumn('account_id', 'varchar(40)')
    .addColumn('purpose', 'varchar(64)')
    .addColumn('continue_matching', 'integer', (c) => c.notNull())
    .$call(creatorTimestampsAndVersion)
    .execute();

  await db.schema
    .createTable('notify_events')
    .addColumn('id', 'varchar(200)', (c) => c.primaryKey())
    .addColumn('type', 'varchar(100)', (c) => c.notNull())
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('recipients', 'text', (c) => c.notNull())
    .addColumn('locale', 'varchar(35)')
    .addColumn('created_by', 'varchar(320)')
    .addColumn('matches', 'text', (c) => c.notNull())
    .addColumn('message_count', 'integer', (c) => c.notNull())
    .execute();
  // The events page: newest first, optionally of one type.
  await db.schema.createIndex('notify_events_received_idx').on('notify_events').columns(['received_at', 'id']).execute();

  await db.schema
    .createTable('notify_event_messages')
    .addColumn('message_id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('event_id', 'varchar(200)', (c) => c.notNull().references('notify_events.id').onDelete('cascade'))
    .addColumn('rule_id', 'varchar(40)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('notify_event_messages_event_idx').on('notify_event_messages').columns(['event_id']).execute();

  await db.schema
    .createTable('auto_replies')
    .addColumn('address', 'varchar(320)', (c) => c.primaryKey())
    .addColumn('last_sent_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['auto_replies', 'notify_event_messages', 'notify_events', 'notify_rules']) await db.schema.dropTable(t).execute();
}
