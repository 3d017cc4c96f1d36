import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Indexes for the email log's own questions.
 *
 * The log's "recipient" filter compares lower(address) (addresses are stored as given, and
 * a search must not depend on case). The index on the raw address could never serve that
 * comparison, so every search by recipient read the whole table; an index on the
 * expression replaces it (SQLite and PostgreSQL both index expressions).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('message_recipients_address_idx').execute();
  await sql`create index message_recipients_lower_address_idx on message_recipients (lower(address), message_id)`.execute(db);
  // "Failed or expired in the last 24 h" (GET /messages/stats, polled by the admin UI): only
  // ended rows are in it, so only a message that fails, expires or is retried touches it.
  await sql`create index messages_ended_idx on messages (status, updated_at) where status in ('failed', 'expired')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('messages_ended_idx').execute();
  await db.schema.dropIndex('message_recipients_lower_address_idx').execute();
  await db.schema.createIndex('message_recipients_address_idx').on('message_recipients').columns(['address', 'message_id']).execute();
}
