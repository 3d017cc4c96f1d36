import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * The log's "recipient" filter compares lower(address) (addresses are stored as given, and
 * a search must not depend on case). The index on the raw address could never serve that
 * comparison, so every search by recipient read the whole table; an index on the
 * expression replaces it (SQLite and PostgreSQL both index expressions).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('message_recipients_address_idx').execute();
  await sql`create index message_recipients_lower_address_idx on message_recipients (lower(address), message_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('message_recipients_lower_address_idx').execute();
  await db.schema.createIndex('message_recipients_address_idx').on('message_recipients').columns(['address', 'message_id']).execute();
}
