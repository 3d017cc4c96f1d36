import { CompiledQuery, type Kysely, type Selectable } from 'kysely';
import { CLAIMABLE } from '../../core/outbox/messages.js';
import type { DB } from '../schema.js';
import { inJsonList, notAnIndexCondition } from '../json-list.js';
import { preparedSql } from '../statement-cache.js';
import type { MessageRecipientsTable, MessagesTable } from '../schema/outbox.js';
import type { SqlDialect } from '../sql-dialect.js';

/**
 * The outbox claim: the most urgent due messages, at most `limit`, marked `sending` under this
 * worker's lease.
 *
 * One query ordered by (priority, next_attempt_at) with `next_attempt_at <= now` cannot seek on
 * its second column: with many messages scheduled for later (a day's reports queued ahead) every
 * claim, and so every idle poll, walked all of them (7.9 ms on SQLite, a 13 ms sequential scan
 * on PostgreSQL, per poll at 200,000 scheduled rows; ten polls a second). So the claim walks the
 * priority levels instead: the levels present are found by a skip scan of the partial index
 * messages_claim_idx (one index seek per level, a few levels in practice), then each level's due
 * messages by one range seek (priority = level, next_attempt_at <= now), most urgent level first,
 * until `limit` are found; then one UPDATE by id. Each step is an index seek, whatever the depth.
 * On PostgreSQL each level's seek, the UPDATE and the read of the claimed messages' recipients
 * are one statement (one round trip instead of three).
 *
 * The statuses are literals (a planner matches a partial index against constants only); SQLite,
 * without ANALYZE statistics, is told the index by name. PostgreSQL locks what it picks with
 * FOR UPDATE SKIP LOCKED, so concurrent workers take different messages.
 */
export async function claimDue(db: Kysely<DB>, dialect: SqlDialect, o: { owner: string; now: number; leaseUntil: number; limit: number; minPriority?: number; columns: readonly string[] }): Promise<ClaimedRow[]> {
  if (dialect === 'postgres') {
    // One statement per level picks, marks and reads the recipients (see claimLevelPostgres).
    const rows: ClaimedRow[] = [];
    await eachLevel(db, POSTGRES, o, async (level, left) => {
      const claimed = await db.executeQuery<ClaimedRow>(CompiledQuery.raw(claimLevelPostgres(o.columns), [level, o.now, left, 'sending', o.owner, o.leaseUntil, o.now]));
      rows.push(...claimed.rows);
      return claimed.rows.length;
    });
    return rows;
  }
  const ids = await dueIds(db, SQLITE, SQLITE.due, o);
  if (!ids.length) return [];
  return (await db.executeQuery<Selectable<MessagesTable>>(CompiledQuery.raw(CLAIM_SQLITE, ['sending', o.owner, o.leaseUntil, o.now, JSON.stringify(ids)]))).rows;
}

/** A claimed message's row; on PostgreSQL with its recipients, read by the same statement. */
export type ClaimedRow = Selectable<MessagesTable> & { claimed_recipients?: Selectable<MessageRecipientsTable>[] };

/**
 * Whether any message is due, read without a transaction or a lock: what an idle worker's poll
 * asks before it opens a claim's transaction (which on SQLite is a group commit, on PostgreSQL
 * two more round trips). A message it sees may be claimed by another worker first; one it
 * misses because it was committed a moment later wakes the worker or waits for the next poll.
 */
export async function peekDue(db: Kysely<DB>, dialect: SqlDialect, o: { now: number; minPriority?: number }): Promise<boolean> {
  const q = dialect === 'sqlite' ? SQLITE : POSTGRES;
  return (await dueIds(db, q, q.peek, { ...o, limit: 1 })).length > 0;
}

/** The due messages' ids, most urgent level first, at most `limit`, by `dueSql` per level. */
async function dueIds(db: Kysely<DB>, q: Statements, dueSql: string, o: { now: number; limit: number; minPriority?: number }): Promise<string[]> {
  const ids: string[] = [];
  await eachLevel(db, q, o, async (level, left) => {
    const due = await db.executeQuery<{ id: string }>(CompiledQuery.raw(dueSql, [level, o.now, left]));
    for (const r of due.rows) ids.push(r.id);
    return due.rows.length;
  });
  return ids;
}

/** Walks the priority levels present, most urgent first, while `take(level, left)` has room left. */
async function eachLevel(db: Kysely<DB>, q: Statements, o: { limit: number; minPriority?: number }, take: (level: number, left: number) => Promise<number>): Promise<void> {
  const levels = (await db.executeQuery<{ p: number }>(CompiledQuery.raw(q.levels, []))).rows.map((r) => Number(r.p));
  let left = o.limit;
  for (const level of levels) {
    // Levels come most urgent first: below the floor, nothing more is wanted.
    if (o.minPriority !== undefined && level < o.minPriority) break;
    if (left <= 0) break;
    left -= await take(level, left);
  }
}

const CLAIMABLE_SQL = `(${CLAIMABLE.map((s) => `'${s}'`).join(', ')})`;
const CLAIMABLE_CONDITION = `"status" in ${CLAIMABLE_SQL}`;

function statements(postgres: boolean, hint: string, p: (n: number) => string) {
  const due = `select "id" from "messages"${hint} where ${CLAIMABLE_CONDITION} and "priority" = ${p(1)} and "next_attempt_at" <= ${p(2)} order by "next_attempt_at" limit ${p(3)}`;
  return {
    levels: `with recursive levels(p) as (
      select (select max("priority") from "messages"${hint} where ${CLAIMABLE_CONDITION})
      union all
      select (select max("priority") from "messages"${hint} where ${CLAIMABLE_CONDITION} and "priority" < levels.p) from levels where levels.p is not null
    ) select p from levels where p is not null`,
    due: `${due}${postgres ? ' for update skip locked' : ''}`,
    peek: due,
  };
}

type Statements = ReturnType<typeof statements>;

const SQLITE = statements(false, ' indexed by "messages_claim_idx"', () => '?');
/** PostgreSQL's: those run on their own are prepared statements (preparedSql); `due` runs inside the claim's. */
const POSTGRES_TEXT = statements(true, '', (n) => `$${n}`);
const POSTGRES: Statements = { ...POSTGRES_TEXT, levels: preparedSql(POSTGRES_TEXT.levels), peek: preparedSql(POSTGRES_TEXT.peek) };

/** SQLite: the UPDATE that marks the picked messages (their ids as a JSON array, the last parameter). */
const CLAIM_SQLITE = `update "messages" set "status" = ?, "lease_owner" = ?, "lease_until" = ?, "updated_at" = ?
  where ${inJsonList(false, '"id"', '?')} and ${CLAIMABLE_CONDITION} returning *`;

/**
 * PostgreSQL: one level's claim as one statement instead of three round trips (pick, mark,
 * read the recipients): the due messages picked and locked (FOR UPDATE SKIP LOCKED), marked
 * `sending` by their ids (an index condition: the picked ids as an array, as the JSON list does
 * elsewhere), returned with their recipients as a JSON array. Parameters: level, now, limit,
 * then the status, owner, lease end and time the UPDATE sets. A prepared statement, so it names
 * the columns it returns, not `c.*` (see preparedSql): the messages table's, which the
 * repository gives (messages.repository.ts's MESSAGE_COLUMNS), built once per list.
 */
const claimLevelTexts = new WeakMap<readonly string[], string>();
export const claimLevelPostgres = (columns: readonly string[]): string => {
  let text = claimLevelTexts.get(columns);
  if (text === undefined) claimLevelTexts.set(columns, (text = claimLevelText(columns)));
  return text;
};
const claimLevelText = (columns: readonly string[]) =>
  preparedSql(`with picked as (${POSTGRES.due}),
  claimed as (update "messages" set "status" = $4, "lease_owner" = $5, "lease_until" = $6, "updated_at" = $7
    where "id" = any(array(select "id" from picked)) and ${notAnIndexCondition(CLAIMABLE_CONDITION)} returning *)
  select ${columns.map((c) => `c."${c}"`).join(', ')}, coalesce((select json_agg(r) from "message_recipients" r where r."message_id" = c."id"), '[]'::json) as "claimed_recipients" from claimed c`);

/**
 * The statement that marks claimed messages, for the tests that check its plan: SQLite's UPDATE
 * (its ids as a JSON array, parameter 5); PostgreSQL's claim of one level (parameters as above).
 */
export const claimUpdateSql = (dialect: SqlDialect, columns: readonly string[]): string => (dialect === 'sqlite' ? CLAIM_SQLITE : claimLevelPostgres(columns));

/** The claim's other statements that run on their own on PostgreSQL, each prepared: for the tests of their plans and of what is prepared. */
export const CLAIM_STATEMENTS_POSTGRES = { levels: POSTGRES.levels, peek: POSTGRES.peek };
