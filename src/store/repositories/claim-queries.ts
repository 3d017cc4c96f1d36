import { CompiledQuery, type Kysely, type Selectable } from 'kysely';
import { CLAIMABLE } from '../../core/outbox/messages.js';
import type { DB } from '../schema.js';
import { inJsonList, notAnIndexCondition } from '../json-list.js';
import type { MessagesTable } from '../schema/outbox.js';
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
 *
 * The statuses are literals (a planner matches a partial index against constants only); SQLite,
 * without ANALYZE statistics, is told the index by name. PostgreSQL locks what it picks with
 * FOR UPDATE SKIP LOCKED, so concurrent workers take different messages.
 */
export async function claimDue(db: Kysely<DB>, dialect: SqlDialect, o: { owner: string; now: number; leaseUntil: number; limit: number; minPriority?: number }): Promise<Selectable<MessagesTable>[]> {
  const q = dialect === 'sqlite' ? SQLITE : POSTGRES;
  const ids = await dueIds(db, q, q.due, o);
  if (!ids.length) return [];
  return (await db.executeQuery<Selectable<MessagesTable>>(CompiledQuery.raw(q.claim, ['sending', o.owner, o.leaseUntil, o.now, JSON.stringify(ids)]))).rows;
}

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
  const levels = (await db.executeQuery<{ p: number }>(CompiledQuery.raw(q.levels, []))).rows.map((r) => Number(r.p));
  const ids: string[] = [];
  for (const level of levels) {
    // Levels come most urgent first: below the floor, nothing more is wanted.
    if (o.minPriority !== undefined && level < o.minPriority) break;
    const left = o.limit - ids.length;
    if (left <= 0) break;
    const due = await db.executeQuery<{ id: string }>(CompiledQuery.raw(dueSql, [level, o.now, left]));
    for (const r of due.rows) ids.push(r.id);
  }
  return ids;
}

const CLAIMABLE_SQL = `(${CLAIMABLE.map((s) => `'${s}'`).join(', ')})`;

function statements(postgres: boolean, hint: string, p: (n: number) => string) {
  const claimable = `"status" in ${CLAIMABLE_SQL}`;
  const due = `select "id" from "messages"${hint} where ${claimable} and "priority" = ${p(1)} and "next_attempt_at" <= ${p(2)} order by "next_attempt_at" limit ${p(3)}`;
  return {
    levels: `with recursive levels(p) as (
      select (select max("priority") from "messages"${hint} where ${claimable})
      union all
      select (select max("priority") from "messages"${hint} where ${claimable} and "priority" < levels.p) from levels where levels.p is not null
    ) select p from levels where p is not null`,
    due: `${due}${postgres ? ' for update skip locked' : ''}`,
    peek: due,
    claim: `update "messages" set "status" = ${p(1)}, "lease_owner" = ${p(2)}, "lease_until" = ${p(3)}, "updated_at" = ${p(4)}
      where ${inJsonList(postgres, '"id"', p(5))} and ${postgres ? notAnIndexCondition(claimable) : claimable} returning *`,
  };
}

type Statements = ReturnType<typeof statements>;

const SQLITE = statements(false, ' indexed by "messages_claim_idx"', () => '?');
const POSTGRES = statements(true, '', (n) => `$${n}`);

/** The claim's UPDATE of a dialect (its ids as a JSON array, parameter 5), for the tests that check its plan. */
export const claimUpdateSql = (dialect: SqlDialect): string => (dialect === 'sqlite' ? SQLITE : POSTGRES).claim;
