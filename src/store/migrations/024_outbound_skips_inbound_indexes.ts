import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Two indexes on `messages` held an entry for every message though only some are ever looked
 * up through them: the unread count and the read/unread filter of received mail (direction
 * 'in'), and the idempotency lookup (messages sent with a key). On PostgreSQL a message's two
 * status changes (claimed, then its outcome) are not HOT updates — status is indexed — so each
 * wrote a new entry into every index: an outbound message without a key paid 6 entries in these
 * two for nothing (3 on SQLite, which only touches indexes whose columns change). Partial
 * indexes keep the same lookups and uniqueness — NULL keys never collided — without them
 * (test/integration/log-indexes.test.ts reads the plans of the repositories' own statements).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`drop index messages_unread_idx`.execute(db);
  await sql`create index messages_unread_idx on messages (is_read, id) where direction = 'in'`.execute(db);
  await sql`drop index messages_idempotency_uq`.execute(db);
  await sql`create unique index messages_idempotency_uq on messages (idempotency_scope, idempotency_key) where idempotency_key is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index messages_unread_idx`.execute(db);
  await sql`create index messages_unread_idx on messages (direction, is_read)`.execute(db);
  await sql`drop index messages_idempotency_uq`.execute(db);
  await sql`create unique index messages_idempotency_uq on messages (idempotency_scope, idempotency_key)`.execute(db);
}
