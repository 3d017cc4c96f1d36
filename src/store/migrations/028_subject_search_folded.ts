import { PostgresAdapter, sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * SQLite: the subject search folds case beyond ASCII (`GET /messages?q=Ärger` finds `Ärger im
 * Büro`), so its trigram index holds the folded subjects. The FTS5 table of 020 indexed the
 * subjects as stored, over messages (external content), and was asked with LIKE, which SQLite
 * checks again against the stored subject folding ASCII letters only: it could never find more
 * than that. Now the table is contentless (the folded text is indexed and not kept: there is
 * no column it could be read back from, and the search compares on messages anyway), asked for
 * the folded query's trigrams (subject-search.ts), and deletes by rowid (contentless_delete:
 * no need to know what was indexed).
 *
 * The rows already stored are indexed again by the search-index worker, as after 020, not here
 * (a migration holding the start for a minute on a large log): `upto` goes back to 0, and until
 * the worker has caught up the search reads the rows not reached yet directly, so it finds
 * every message all along, only more slowly on a large log for a while (~10 s of CPU per
 * million messages). PostgreSQL folds with its own lower() on both sides: nothing here.
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return;
  await sql`drop table message_subject_search`.execute(db);
  await sql`create virtual table message_subject_search using fts5(subject, content='', contentless_delete=1, tokenize='trigram case_sensitive 1', detail='none')`.execute(db);
  await sql`update search_progress set upto = 0 where name = 'message_subject'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return;
  await sql`drop table message_subject_search`.execute(db);
  await sql`create virtual table message_subject_search using fts5(subject, content='messages', content_rowid='rowid', tokenize='trigram', detail='none')`.execute(db);
  await sql`update search_progress set upto = 0 where name = 'message_subject'`.execute(db);
}
