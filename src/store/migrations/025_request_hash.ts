import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * An idempotency key (a message's idempotencyKey, an event's id) reused with another body was
 * answered as a retry of the first request, so the new one was dropped unseen. Each request that
 * comes with a key keeps its body's hash, and a reuse with another body is refused. Rows stored
 * before have none (null) and answer a reuse as before; no backfill (the body as sent is not kept).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('request_hash', 'varchar(64)').execute();
  await db.schema.alterTable('notify_events').addColumn('request_hash', 'varchar(64)').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('notify_events').dropColumn('request_hash').execute();
  await db.schema.alterTable('messages').dropColumn('request_hash').execute();
}
