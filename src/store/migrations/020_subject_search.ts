import { PostgresAdapter, sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * A trigram index for the email log's subject search (`GET /messages?q=`), which read every
 * subject until a page was full: seconds for rare text with a million messages stored.
 *
 * PostgreSQL: pg_trgm's GIN index on lower(subject), the expression the search compares, kept by
 * the database at every insert. pg_trgm is a contrib extension (trusted since PostgreSQL 13, so
 * a database owner may create it); where it cannot be created the migration goes on without
 * the index and the search keeps scanning every subject, as before.
 *
 * SQLite: an FTS5 trigram table over messages.subject (external content: the index only, the
 * text stays in messages). It is not kept by a trigger: FTS5 pays per transaction, ~40 µs per
 * message in the outbox's small group commits against ~9 µs in batches of a thousand, so a
 * worker indexes new rows in batches (repository: catchUpSearchIndex) and the search scans the
 * few rows past `search_progress.upto` itself. Messages already stored are indexed by that worker
 * after the upgrade, not here (a migration holding the start for a minute on a large log).
 * Only ever appended to: messages are never deleted; a future deletion must remove its rows
 * from the index first (FTS5's 'delete' command with the old subject).
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    // The migration runs in a transaction: a failed CREATE EXTENSION must not abort it.
    await sql`savepoint subject_search`.execute(db);
    try {
      await sql`create extension if not exists pg_trgm`.execute(db);
    } catch {
      await sql`rollback to savepoint subject_search`.execute(db);
      return;
    }
    await sql`create index messages_subject_trgm_idx on messages using gin (lower(subject) gin_trgm_ops)`.execute(db);
    return;
  }
  await sql`create virtual table message_subject_search using fts5(subject, content='messages', content_rowid='rowid', tokenize='trigram', detail='none')`.execute(db);
  await db.schema
    .createTable('search_progress')
    .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('upto', 'bigint', (c) => c.notNull())
    .execute();
  await db.insertInto('search_progress').values({ name: 'message_subject', upto: 0 }).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`drop index if exists messages_subject_trgm_idx`.execute(db);
    return;
  }
  await db.schema.dropTable('search_progress').execute();
  await sql`drop table message_subject_search`.execute(db);
}
