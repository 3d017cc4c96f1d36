import { PostgresAdapter, sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * PostgreSQL: an index of the leases of the messages being sent (lease_until is set while a
 * message is being sent, and only then), for the look every worker takes every 5 s for a crashed
 * worker's messages (repositories/message-leases.ts). That look went through (status, id,
 * next_attempt_at), which also holds an entry for the `sending` version of every message sent
 * since the last VACUUM (a claim and an outcome are two updates, each a new row version), by a
 * bitmap scan that visits the heap page of each of them every time: 40–60 ms per look and
 * process after 30,000 messages with autovacuum off. Read in lease order, this index stops at
 * the first lease still running, and the dead versions the look passes are marked so that later
 * looks skip them (docs/performance.md, twentieth session).
 *
 * SQLite keeps no dead versions: its status index holds what is being sent and nothing more.
 * Building the index reads the table once; it holds a few hundred entries per worker.
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`create index messages_lease_idx on messages (lease_until) where lease_until is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`drop index messages_lease_idx`.execute(db);
}
