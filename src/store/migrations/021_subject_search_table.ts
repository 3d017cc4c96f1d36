import { PostgresAdapter, sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * PostgreSQL: the subject search's trigram index moves from messages to a table of its own,
 * message_subjects (message id and subject, written once, never updated).
 *
 * On messages the GIN index was maintained three times per message, not once: a message row
 * is updated twice on its way out (claimed, then its outcome), and as those updates change
 * indexed columns (status) they are not HOT, so PostgreSQL adds the new row version to every
 * index of the table, the trigram index included, although the subject never changes. That
 * was ~10 % of the database's CPU per message and 5–9 % of the end-to-end rate on a shared
 * machine (`npm run bench -- --postgres …`, with and without the index, paired runs). Here the
 * subject is indexed once, when the message is stored: a statement-level trigger copies the
 * inserted rows' ids and subjects (one INSERT per statement, however many rows, in the same
 * transaction, so the table never lags). Rows already stored are copied here; the index is
 * built after the copy (~1 min per million messages holds the migration, as 020 did).
 *
 * Where pg_trgm is not installed (020 went on without it), the table is kept all the same
 * and only the index is missing: the search stays correct and reads the narrow table.
 * SQLite keeps its FTS5 table (020): nothing here.
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`create table message_subjects (message_id varchar(40) primary key, subject text not null)`.execute(db);
  await sql`create function mailroom_copy_message_subjects() returns trigger language plpgsql as $$
    begin
      insert into message_subjects (message_id, subject) select id, subject from added_messages;
      return null;
    end $$`.execute(db);
  await sql`create trigger messages_copy_subjects after insert on messages referencing new table as added_messages
    for each statement execute function mailroom_copy_message_subjects()`.execute(db);
  await sql`insert into message_subjects (message_id, subject) select id, subject from messages`.execute(db);
  if (await trigramsAvailable(db)) await sql`create index message_subjects_trgm_idx on message_subjects using gin (lower(subject) gin_trgm_ops)`.execute(db);
  await sql`drop index if exists messages_subject_trgm_idx`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  if (await trigramsAvailable(db)) await sql`create index messages_subject_trgm_idx on messages using gin (lower(subject) gin_trgm_ops)`.execute(db);
  await sql`drop trigger messages_copy_subjects on messages`.execute(db);
  await sql`drop function mailroom_copy_message_subjects()`.execute(db);
  await sql`drop table message_subjects`.execute(db);
}

const trigramsAvailable = async (db: Kysely<any>) => (await sql`select 1 from pg_extension where extname = 'pg_trgm'`.execute(db)).rows.length > 0;
