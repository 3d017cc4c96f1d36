import { sql, type CompiledQuery, type Kysely, type SelectQueryBuilder } from 'kysely';
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
  // The window's last row (none: fewer rows than a window, which then holds them all). The
  // window is read as the range of ids from there up, a walk of the primary key: asked as "id
  // in (the newest ids)", PostgreSQL fetched each of them again through the key, 4x the time.
  const edge = await below(filtered(), page.cursor).select('id').orderBy('id', 'desc').offset(SCAN_WINDOW - 1).limit(1).executeTakeFirst();
  const windowed = () => (edge ? below(filtered(), page.cursor).where('id', '>=', edge.id) : below(filtered(), page.cursor));
  const inWindow = await select(windowed().where(subjectContains(page.q, dialect))).orderBy('id', 'desc').limit(page.want).execute();
  if (inWindow.length >= page.want || !edge) return inWindow;
  let beyond = below(filtered(), edge.id).where(subjectContains(page.q, dialect));
  const key = await indexKey(page.q, dialect, windowed);
  const trigrams = dialect === 'sqlite' ? trigramQuery(key) : undefined;
  if (trigrams) beyond = beyond.where(sql<boolean>`rowid in (${indexedOrNewer(db, trigrams)})`);
  // PostgreSQL: the same predicate on the indexed copy of the subjects (migration 021) names the
  // rows; the LIKE on messages above stays, so the answer is the definition's whatever the path.
  // (pg_trgm answers for three characters in a row that are not LIKE wildcards.)
  if (dialect === 'postgres' && /[^%_]{3}/.test(key)) beyond = beyond.where(sql<boolean>`id in (select message_id from message_subjects where ${subjectContains(key, dialect)})`);
  const rest = select(beyond).orderBy('id', 'desc').limit(page.want - inWindow.length);
  return [...inWindow, ...(dialect === 'postgres' ? await withoutParallelWorkers(db, rest) : await rest.execute())];
}

/**
 * PostgreSQL: runs `query` with no parallel workers. pg_trgm's estimate for a LIKE is rough
 * (4,206 rows for 299 at a million subjects), so the planner gathered the index's candidates
 * with two parallel workers, whose start took 6–10 ms of a query that takes 4 ms alone. SET
 * LOCAL holds for this one transaction only (also behind a transaction-pooling PgBouncer).
 */
async function withoutParallelWorkers<R>(db: Kysely<DB>, query: { compile: () => CompiledQuery<R> }): Promise<R[]> {
  return db.transaction().execute(async (trx) => {
    await sql`set local max_parallel_workers_per_gather = 0`.execute(trx);
    return (await trx.executeQuery(query.compile())).rows;
  });
}

/** Runs of three or more letters or digits: the words a trigram index can be asked for alone. */
export const searchWords = (q: string): string[] => [...new Set(q.match(/[\p{L}\p{N}]{3,}/gu) ?? [])];

/**
 * The text the trigram index is asked for: q itself, or, when q holds several words, the one
 * the fewest subjects of the window hold. An index answers "report 4242" by intersecting the
 * rows of every trigram, and "report"'s are in every subject: pg_trgm walked a million-row
 * list for each of them, 22 ms of a 25 ms search, where "4242" alone took 2. Any part of q
 * names a superset of q's rows, and the comparison with q itself keeps exactly the right ones;
 * the window, already read, tells which part is rare for a handful of LIKEs over its rows.
 */
export async function indexKey(q: string, dialect: SqlDialect, windowed: () => MessagesQuery): Promise<string> {
  const words = searchWords(q);
  if (words.length < 2) return q;
  const hits = await windowed()
    .select(words.map((w, i) => sql<number | string>`sum(case when ${subjectContains(w, dialect)} then 1 else 0 end)`.as(`w${i}`)))
    .executeTakeFirstOrThrow();
  const count = (i: number) => Number((hits as Record<string, unknown>)[`w${i}`] ?? 0);
  // Fewest hits first; among equals the longest word, whose trigrams are the most.
  const order = words.map((w, i) => ({ w, n: count(i) })).sort((a, b) => a.n - b.n || b.w.length - a.w.length);
  return order[0].w;
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
