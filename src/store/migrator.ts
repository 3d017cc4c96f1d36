import { Migrator, type Kysely } from 'kysely';
import { ErrorCodes, MailroomError } from '../core/kernel/errors.js';
import { migrationProvider } from './migrations/index.js';
import type { DB } from './schema.js';

function migrator(db: Kysely<DB>): Migrator {
  return new Migrator({ db, provider: migrationProvider, migrationTableName: 'mailroom_migrations', migrationLockTableName: 'mailroom_migrations_lock' });
}

/** Applies every pending migration; returns the names applied. Safe to run from several processes. */
export async function migrateToLatest(db: Kysely<DB>): Promise<string[]> {
  const { error, results } = await migrator(db).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new MailroomError(ErrorCodes.STORE_UNAVAILABLE, `migration ${failed} failed: ${(error as Error).message}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** True when every known migration has been applied (for /readyz). */
export async function migrationsComplete(db: Kysely<DB>): Promise<boolean> {
  const all = await migrator(db).getMigrations();
  return all.every((m) => m.executedAt !== undefined);
}
