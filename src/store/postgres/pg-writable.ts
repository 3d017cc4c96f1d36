import { sql, type Kysely } from 'kysely';
import type { DB } from '../schema.js';

/**
 * Why the database takes no writes, or null when it does: for /readyz, which answered 200 while
 * every write failed (a DATABASE_URL pointing at a standby, or default_transaction_read_only
 * set on the database or role). One cheap statement, no transaction of its own.
 */
export async function pgWriteRefusal(db: Kysely<DB>): Promise<string | null> {
  const { rows } = await sql<{ recovery: boolean; read_only: string }>`select pg_is_in_recovery() as recovery, current_setting('transaction_read_only') as read_only`.execute(db);
  const row = rows[0];
  if (row?.recovery) return 'the database is a standby (in recovery) and takes no writes: point DATABASE_URL at the primary';
  if (row?.read_only === 'on') return 'the database is read-only (default_transaction_read_only is on for it or for the role): is DATABASE_URL pointing at a standby?';
  return null;
}
