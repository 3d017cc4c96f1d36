import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrator.js';
import { ADMIN_URL, createPostgresDatabase, postgresAvailable } from './dialects.js';

/**
 * A database holding only the migrated schema (and what migrations insert), for test databases
 * to copy. Undefined when PostgreSQL is not reachable outside CI (its tests skip then).
 */
export async function buildMigratedTemplate(): Promise<{ name: string; drop: () => Promise<void> } | undefined> {
  if (!(await postgresAvailable())) return undefined;
  await dropLeftovers();
  const db = await createPostgresDatabase({ name: `mailroom_template_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}` });
  const store = openDatabase({ databaseUrl: db.url, dataDir: '' });
  try {
    await migrateToLatest(store.db, 'the test template database');
  } finally {
    // CREATE DATABASE … TEMPLATE refuses a template anybody is connected to.
    await store.close();
  }
  return { name: new URL(db.url).pathname.slice(1), drop: db.drop };
}

/** Older than this, a test database is a leftover of a run that was killed (a whole run takes well under an hour). */
const LEFTOVER_AGE_MS = 6 * 3600_000;

/**
 * Drops the template and test databases that killed runs left behind (their afterAll never ran),
 * judged by the time in their names: runs going on beside this one keep theirs.
 */
async function dropLeftovers(): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>("select datname from pg_database where datname ~ '^mailroom_(test|template)_[0-9a-z]+_[0-9a-f]+$'");
    for (const { datname } of rows) {
      const made = parseInt(datname.split('_')[2]!, 36);
      if (Date.now() - made > LEFTOVER_AGE_MS) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}
