import { sql, type Kysely } from 'kysely';
import { notAnIndexCondition } from '../json-list.js';
import type { DB } from '../schema.js';
import type { SqlDialect } from '../sql-dialect.js';

/**
 * Leased messages back to the queue (deferred when an attempt was already made), for the caller's
 * WHERE. A lease that ran out was held by a worker that crashed or lost the store, maybe with the
 * message on the wire: no attempt record says how far it got, so the message is marked a possible
 * duplicate (the next copy may be the second). A worker that lets go itself (a stop) has nothing
 * in flight.
 */
const backToQueue = (db: Kysely<DB>, now: number, leaseRanOut: boolean) =>
  db.updateTable('messages').set((eb) => ({
    status: eb.case().when('attempt_count', '=', 0).then('queued').else('deferred').end(),
    lease_owner: null,
    lease_until: null,
    updated_at: now,
    ...(leaseRanOut ? { possible_duplicate: 1 } : {}),
  }));

/** Messages being sent go back to the queue, of those the caller's WHERE names. */
export const releaseLeases = (db: Kysely<DB>, now: number, leaseRanOut = false) => backToQueue(db, now, leaseRanOut).where('status', '=', 'sending');

/** At most this many expired leases per statement on PostgreSQL (releaseExpiredLeases runs them until fewer come back). */
export const EXPIRED_LEASES_BATCH = 100;

/**
 * The UPDATE that returns messages whose lease ran out (their worker crashed or lost the store)
 * to the queue. Every worker runs it every 5 s.
 *
 * On PostgreSQL each message sent leaves its `sending` row version behind until VACUUM (a claim
 * and an outcome are two updates, each a new version with new index entries), and the look went
 * through (status, id, next_attempt_at), whose `sending` entries are those dead versions: by a
 * bitmap scan, which visits the heap page of each of them every time, 40–60 ms per look and
 * process after 30,000 messages with autovacuum off. Now the leases are read from the index of
 * leases (messages_lease_idx, migration 027: lease_until where it is set, which is while a message
 * is being sent) in lease order: the scan stops at the first lease still running, marks the dead
 * versions it passes so later looks skip them, and no other index can answer `lease_until <`,
 * whatever the statistics say (with `status = 'sending'` as the way in, the planner went back to
 * the status index once the tables were analysed). The rows are locked with SKIP LOCKED, so two
 * workers looking at once, or an outcome being recorded meanwhile, never wait for each other;
 * they are then updated by primary key, the status checked on each row only (notAnIndexCondition).
 * At most EXPIRED_LEASES_BATCH (100) at a time: with a small limit the ordered index scan, which
 * stops early and marks what it passes, is the cheapest plan under any estimate (with 1,000 and no
 * statistics PostgreSQL chose a bitmap scan and a sort, which visit every dead version each time).
 *
 * SQLite keeps no dead versions (its status index holds what is being sent and nothing more) and
 * has one writer: the plain condition.
 */
export function expiredLeases(db: Kysely<DB>, dialect: SqlDialect, now: number) {
  if (dialect === 'sqlite') return releaseLeases(db, now, true).where('lease_until', '<', now);
  return backToQueue(db, now, true)
    .where(sql<boolean>`"id" = any(array(select "id" from "messages" where "lease_until" < ${now} order by "lease_until" limit ${sql.lit(EXPIRED_LEASES_BATCH)} for update skip locked))`)
    .where(sql.raw<boolean>(notAnIndexCondition(`"status" = 'sending'`)));
}

/** Releases every expired lease (expiredLeases, batch after batch on PostgreSQL); returns how many. */
export async function releaseExpiredLeases(db: Kysely<DB>, dialect: SqlDialect, now: number): Promise<number> {
  let released = 0;
  for (;;) {
    const n = Number((await expiredLeases(db, dialect, now).executeTakeFirst()).numUpdatedRows);
    released += n;
    if (dialect === 'sqlite' || n < EXPIRED_LEASES_BATCH) return released;
  }
}
