import { Migrator, sql, type Kysely } from 'kysely';
import { ErrorCodes, MailroomError } from '../core/kernel/errors.js';
import { migrationProvider } from './migrations/index.js';
import type { DB } from './schema.js';

function migrator(db: Kysely<DB>): Migrator {
  return new Migrator({ db, provider: migrationProvider, migrationTableName: 'mailroom_migrations', migrationLockTableName: 'mailroom_migrations_lock' });
}

/**
 * Applies every pending migration; returns the names applied. Safe to run from several processes.
 * `where` names the store (never with a password) for a store that cannot be opened at all.
 */
export async function migrateToLatest(db: Kysely<DB>, where: string): Promise<string[]> {
  await refuseNewerStore(db, where);
  const { error, results } = await migrator(db).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const message = (error as Error).message;
    // A newer version migrated it between the look above and the migrator's own (under its lock).
    if (!failed && message.startsWith('corrupted migrations')) await refuseNewerStore(db, where);
    // No migration ran: the store could not be reached or read at all (the most common case by
    // far: a server down, a database not created), which is no migration's failure.
    if (!failed) throw new MailroomError(ErrorCodes.STORE_UNAVAILABLE, `cannot open ${where}: ${message}${remedy(error)}`);
    throw new MailroomError(ErrorCodes.STORE_UNAVAILABLE, `migration ${failed} failed: ${message}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * Refuses a store that a newer Mailroom migrated (an applied migration this version does not
 * know), in words that say so: Kysely's own check called it "corrupted migrations: previously
 * executed migration 035_… is missing", reported as a store that cannot be opened. That is an
 * old process restarted after an upgrade (a rolling upgrade on PostgreSQL, a rollback of the
 * binary without the database): nothing is wrong with the store, this version is too old for it.
 * A store whose migrations cannot be read (none yet, or no connection) is left to the migrator,
 * which creates the table or reports the failure in its own words.
 */
async function refuseNewerStore(db: Kysely<DB>, where: string): Promise<void> {
  let applied: string[];
  try {
    const { rows } = await sql<{ name: string }>`select name from mailroom_migrations`.execute(db);
    applied = rows.map((r) => r.name);
  } catch {
    return;
  }
  const known = new Set(Object.keys(await migrationProvider.getMigrations()));
  const unknown = applied.filter((name) => !known.has(name)).sort();
  if (!unknown.length) return;
  throw new MailroomError(
    ErrorCodes.CONFIG,
    `this database (${where}) was migrated by a newer Mailroom (${unknown.join(', ')}); run that version or newer, or restore a backup taken before the upgrade`,
  );
}

/** What to do about the usual reasons a store cannot be opened, by the driver's code. */
function remedy(err: unknown): string {
  switch ((err as { code?: unknown })?.code) {
    case '3D000': // PostgreSQL invalid_catalog_name
      return ' (create the database, e.g. `createdb`, or point DATABASE_URL at the right one)';
    case '28P01': // invalid_password
    case '28000': // invalid_authorization_specification
      return ' (check the user name and password in DATABASE_URL)';
    case 'ECONNREFUSED':
      return ' (is the server running, and listening on that host and port?)';
    default:
      return '';
  }
}

/** True when every known migration has been applied (for /readyz). */
export async function migrationsComplete(db: Kysely<DB>): Promise<boolean> {
  const all = await migrator(db).getMigrations();
  return all.every((m) => m.executedAt !== undefined);
}
