import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { DB } from '../schema.js';
import type { SqlDialect } from '../sql-dialect.js';

/**
 * The email log's subject search (`GET /messages?q=`): "the subject contains this text", case
 * folded as lower() folds it on each dialect (`lower(subject) LIKE '%…%'`, the definition every
 * path below is checked against, so the answer never depends on the path taken).
 *
 * Two kinds of text are slow in opposite ways. Common text ("weekly") fills a page within the
 * newest few rows, which a backward walk of the ids finds at once, and an index would hand over
 * every one of a million matches to sort. Rare text ("report 4242") is in a handful of rows,
 * which the walk only finds by reading every subject, and an index finds at once. So a page is
 * looked for first among the newest SCAN_WINDOW rows that pass the other filters (cheap, and
 * enough for any text in more than ~1 row in 40), and only past them through the trigram index:
 * on PostgreSQL pg_trgm's GIN index on message_subjects, a copy of every message's id and
 * subject that a trigger writes with the message (migration 021; on messages itself the index
 * was rewritten at every status change; a message deleted takes its copy along: forgetSubjects), and an FTS5 trigram table on SQLite (migration 020),
 * which is filled by a worker, so the rows it has not reached yet (above search_progress.upto)
 * are read directly.
 */
export const SCAN_WINDOW = 2_000;

type MessagesQuery = SelectQueryBuilder<DB, 'messages', object>;

/** `subject` holds `q`, as the log has always compared it (LIKE with q's own % and _ escaped). */
export const subjectContains = (q: string) => sql<boolean>`lower(subject) like ${'%' + likeEscape(q.toLowerCase()) + '%'} escape '\\'`;

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * One newest-first page of the rows of `filtered` (the other filters) whose subject holds `q`:
 * up to `want` rows below `cursor`, selected by `select`.
 */
export async function searchBySubject<R extends { id: string }>(
  db: Kysely<DB>,
  dialect: SqlDialect,
  filtered: () => MessagesQuery,
  page: { q: string; cursor?: string; want: number },
  select: (q: MessagesQuery) => SelectQueryBuilder<DB, 'messages', R>,
): Promise<R[]> {
  const below = (q: MessagesQuery, id: string | undefined) => (id ? q.where('id', '<', id) : q);
  const newest = below(filtered(), page.cursor).select('id').orderBy('id', 'desc');
  const inWindow = await select(filtered().where('id', 'in', newest.limit(SCAN_WINDOW)).where(subjectContains(page.q))).orderBy('id', 'desc').limit(page.want).execute();
  if (inWindow.length >= page.want) return inWindow;
  // The window's last row: below it the index takes over (none: the window held every row).
  const edge = await newest.offset(SCAN_WINDOW - 1).limit(1).executeTakeFirst();
  if (!edge) return inWindow;
  let beyond = below(filtered(), edge.id).where(subjectContains(page.q));
  if (dialect === 'sqlite' && indexable(page.q)) beyond = beyond.where(sql<boolean>`rowid in (${indexedOrNewer(db, page.q)})`);
  // PostgreSQL: the same predicate on the indexed copy of the subjects (migration 021) names the
  // rows; the LIKE on messages above stays, so the answer is the definition's whatever the path.
  if (dialect === 'postgres' && indexable(page.q)) beyond = beyond.where(sql<boolean>`id in (select message_id from message_subjects where ${subjectContains(page.q)})`);
  const rest = await select(beyond).orderBy('id', 'desc').limit(page.want - inWindow.length).execute();
  return [...inWindow, ...rest];
}

/**
 * SQLite: rowids of the messages whose subject may hold `q` — the index's candidates (a
 * superset: case folded beyond ASCII, q's % and _ taken as wildcards), and every row the index
 * has not reached. The caller's LIKE keeps exactly the right ones.
 */
function indexedOrNewer(db: Kysely<DB>, q: string) {
  return sql`select rowid from message_subject_search where subject like ${'%' + q + '%'}
    union all select rowid from messages where rowid > (select upto from search_progress where name = 'message_subject')`;
}

/** The trigram index answers only for three characters in a row that are not LIKE wildcards. */
const indexable = (q: string) => /[^%_]{3}/.test(q);

/** Messages indexed per catch-up transaction: FTS5 costs ~9 µs a row in batches this size. */
export const INDEX_BATCH = 2_000;

/**
 * SQLite: indexes up to `limit` messages stored since the last call, in the caller's
 * transaction; returns how many. Rowids only grow (the retention never deletes the newest
 * row, whose rowid SQLite would otherwise hand out again), so "above upto" is exactly what is
 * missing.
 */
export async function catchUpSubjectIndex(db: Kysely<DB>, limit: number): Promise<number> {
  const progress = await db.selectFrom('search_progress').select('upto').where('name', '=', 'message_subject').executeTakeFirst();
  if (!progress) return 0;
  const next = db.selectFrom('messages').select(sql<number>`rowid`.as('r')).where(sql<boolean>`rowid > ${progress.upto}`).orderBy(sql`rowid`).limit(limit);
  const span = await db
    .selectFrom(next.as('n'))
    .select([sql<number | null>`max(r)`.as('last'), sql<number>`count(*)`.as('count')])
    .executeTakeFirstOrThrow();
  if (!span.count || span.last === null) return 0;
  await sql`insert into message_subject_search (rowid, subject) select rowid, subject from messages where rowid > ${progress.upto} and rowid <= ${span.last}`.execute(db);
  await db.updateTable('search_progress').set({ upto: span.last }).where('name', '=', 'message_subject').execute();
  return Number(span.count);
}

/**
 * Takes messages `ids`, about to be deleted in the caller's transaction, out of the subject
 * index: on SQLite FTS5's 'delete' command with the subject it indexed (an external-content
 * table keeps no text of its own), for the rows it has reached; on PostgreSQL their copies in
 * message_subjects.
 */
export async function forgetSubjects(db: Kysely<DB>, dialect: SqlDialect, ids: readonly string[]): Promise<void> {
  const list = sql.join(ids.map((id) => sql`${id}`));
  if (dialect === 'postgres') {
    await sql`delete from message_subjects where message_id in (${list})`.execute(db);
    return;
  }
  await sql`insert into message_subject_search (message_subject_search, rowid, subject)
    select 'delete', rowid, subject from messages
    where id in (${list}) and rowid <= (select upto from search_progress where name = 'message_subject')`.execute(db);
}
