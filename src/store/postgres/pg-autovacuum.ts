import { sql, type Kysely } from 'kysely';
import type { DB } from '../schema.js';

/**
 * What to tell an operator whose PostgreSQL runs without autovacuum, or null when it runs.
 *
 * Mailroom rewrites each message it sends twice (claimed, then its outcome), so every message
 * leaves dead row versions behind, and the queue's tables change size by orders of magnitude in
 * their first hour. Without VACUUM the dead versions stay in every index a look walks; without
 * ANALYZE the plans PostgreSQL keeps for the outbox's prepared statements stay the ones it chose
 * for nearly empty tables (measured: the outcome's recipients updated through the address
 * index, a whole-index scan per recipient, ~1 ms each at 30,000 messages). Said once at start,
 * since only the database's owner can change it.
 */
export async function autovacuumAdvice(db: Kysely<DB>): Promise<string | null> {
  const { rows } = await sql<{ setting: string }>`select current_setting('autovacuum') as setting`.execute(db);
  if (rows[0]?.setting !== 'off') return null;
  return "PostgreSQL's autovacuum is off: Mailroom rewrites every message it sends, so its tables fill with dead rows and its queries' plans go stale as the queue grows; turn autovacuum on, or run VACUUM ANALYZE on this database regularly (docs/operations.md, PostgreSQL)";
}
