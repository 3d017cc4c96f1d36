import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { DB } from '../schema.js';
import type { SqlDialect } from '../sql-dialect.js';
import { foldCase } from '../sqlite/subject-fold.js';

/**
 * The email log's subject search (`GET /messages?q=`): "the subject contains this text", case
 * folded the same way on both sides of the comparison, the definition every path below is
 * checked against, so the answer never depends on the path taken. PostgreSQL: its lower(), on
 * the subject and on q alike (`lower(subject) LIKE lower('%…%')`: Unicode in a UTF-8 locale).
 * SQLite, whose lower() folds ASCII letters only: `mailroom_fold` (sqlite/subject-fold.ts,
 * JavaScript's lower-case mapping, one code point for one) on the subject, the same fold in
 * JavaScript on q, `instr(…) > 0`; a subject of ASCII only is folded by lower() (the same
 * answer without calling into JavaScript for it: most subjects are ASCII).
 *
 * Two kinds of text are slow in opposite ways. Common text ("weekly") fills a page within the
 * newest few rows, which a backward walk of the ids finds at once, and an index would hand over
 * every one of a million matches to sort. Rare text ("report 4242") is in a handful of rows,
 * which the walk only finds by reading every subject, and an index finds at once. So a page is
 * looked for first among the newest SCAN_WINDOW rows that pass the other filters (cheap, and
 * enough for any text in more than ~1 row in 40), and only past them through the trigram index:
 * on PostgreSQL pg_trgm's GIN index on message_subjects, a copy of every message's id and
 * subject that a trigger writes with the message (migration 021; on messages itself the index
 * was rewritten at every status change; a message deleted takes its copy along: forgetSubjects), and an FTS5 trigram table of the folded subjects on SQLite (migrations 020, 028),
 * which is filled by a worker, so the rows it has not reached yet (above search_progress.upto)
 * are read directly.
 */
export const SCAN_WINDOW = 2_000;

type MessagesQuery = SelectQueryBuilder<DB, 'messages', object>;

/** SQLite: the subject folded as `foldCase` folds it (lower() where it is ASCII only: length counts characters, octet_length bytes). */
const foldedSubject = sql`(case when length(subject) = octet_length(subject) then lower(subject) else mailroom_fold(subject) end)`;

/** `subject` holds `q`, case folded alike on both sides (q's own % and _ are literal). */
export const subjectContains = (q: string, dialect: SqlDialect) =>
  dialect === 'sqlite'
    ? sql<boolean>`instr(${foldedSubject}, ${foldCase(q)}) > 0`
    : sql<boolean>`lower(subject) like lower(${'%' + likeEscape(q) + '%'}::text) escape '\\'`;

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
  const inWindow = await select(filtered().where('id', 'in', newest.limit(SCAN_WINDOW)).where(subjectContains(page.q, dialect))).orderBy('id', 'desc').limit(page.want).execute();
  if (inWindow.length >= page.want) return inWindow;
  // The window's last row: below it the index takes over (none: the window held every row).
  const edge = await newest.offset(SCAN_WINDOW - 1).limit(1).executeTakeFirst();
  if (!edge) return inWindow;
  let beyond = below(filtered(), edge.id).where(subjectContains(page.q, dialect));
  const trigrams = dialect === 'sqlite' ? trigramQuery(page.q) : undefined;
  if (trigrams) beyond = beyond.where(sql<boolean>`rowid in (${indexedOrNewer(db, trigrams)})`);
  // PostgreSQL: the same predicate on the indexed copy of the subjects (migration 021) names the
  // rows; the LIKE on messages above stays, so the answer is the definition's whatever the path.
  // (pg_trgm answers for three characters in a row that are not LIKE wildcards.)
  if (dialect === 'postgres' && /[^%_]{3}/.test(page.q)) beyond = beyond.where(sql<boolean>`id in (select message_id from message_subjects where ${subjectContains(page.q, dialect)})`);
  const rest = await select(beyond).orderBy('id', 'desc').limit(page.want - inWindow.length).execute();
  return [...inWindow, ...rest];
}

/**
 * SQLite: rowids of the messages whose subject may hold q — the index's candidates (the folded
 * subjects that hold every trigram of the folded q: a superset), and every row the index has
 * not reached. The caller's comparison keeps exactly the right ones.
 */
function indexedOrNewer(db: Kysely<DB>, trigrams: string) {
  return sql`select rowid from message_subject_search where message_subject_search match ${trigrams}
    union all select rowid from messages where rowid > (select upto from search_progress where name = 'message_subject')`;
}

/**
 * SQLite: the FTS5 query for q, every trigram (three code points in a row) of the folded q as
 * a string of its own, all required (`"ärg" AND "rge" AND …`: the table keeps no positions,
 * detail=none, so no phrase); undefined for text shorter than a trigram, which the index cannot
 * answer. % and _ are characters like any other here.
 */
export function trigramQuery(q: string): string | undefined {
  const points = [...foldCase(q)];
  const trigrams = new Set<string>();
  for (let i = 0; i + 3 <= points.length; i++) trigrams.add(points.slice(i, i + 3).join(''));
  if (!trigrams.size) return undefined;
  return [...trigrams].map((t) => `"${t.replace(/"/g, '""')}"`).join(' AND ');
}

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
  await sql`insert into message_subject_search (rowid, subject) select rowid, ${foldedSubject} from messages where rowid > ${progress.upto} and rowid <= ${span.last}`.execute(db);
  await db.updateTable('search_progress').set({ upto: span.last }).where('name', '=', 'message_subject').execute();
  return Number(span.count);
}

/**
 * Takes messages `ids`, about to be deleted in the caller's transaction, out of the subject
 * index: on SQLite by rowid (a contentless table that deletes, migration 028), for the rows it
 * has reached; on PostgreSQL their copies in message_subjects.
 */
export async function forgetSubjects(db: Kysely<DB>, dialect: SqlDialect, ids: readonly string[]): Promise<void> {
  const list = sql.join(ids.map((id) => sql`${id}`));
  if (dialect === 'postgres') {
    await sql`delete from message_subjects where message_id in (${list})`.execute(db);
    return;
  }
  await sql`delete from message_subject_search where rowid in (
    select rowid from messages where id in (${list}) and rowid <= (select upto from search_progress where name = 'message_subject'))`.execute(db);
}
