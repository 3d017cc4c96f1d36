import pg from 'pg';
import { randomBytes } from 'node:crypto';

export type Dialect = 'sqlite' | 'postgres';

export const ADMIN_URL = process.env.MAILROOM_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
let pgReachable: Promise<boolean> | undefined;

/** Whether PostgreSQL answers; with CI=true it must, so a missing server fails loudly instead of skipping. */
export function postgresAvailable(): Promise<boolean> {
  pgReachable ??= (async () => {
    const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.end();
      return true;
    } catch (err) {
      if (process.env.CI === 'true') throw new Error(`CI=true but PostgreSQL is not reachable at ${ADMIN_URL}: ${(err as Error).message}`, { cause: err });
      console.warn(`[mailroom tests] PostgreSQL not reachable at ${ADMIN_URL}: the PostgreSQL half of the store tests is SKIPPED`);
      return false;
    }
  })();
  return pgReachable;
}

export interface NewDatabaseOptions {
  /** Its name (default: a unique mailroom_test_… one). */
  name?: string;
  /** A copy of this database (CREATE DATABASE … TEMPLATE) instead of an empty one. */
  template?: string;
}

/** Creates a throw-away database for one test file and returns its URL and a dropper. */
export async function createPostgresDatabase(opts: NewDatabaseOptions = {}): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = opts.name ?? `mailroom_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}${opts.template ? ` TEMPLATE ${opts.template}` : ''}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Both dialects, for `describe.each`; PostgreSQL's entry is skipped only when it is unreachable outside CI. */
export const DIALECTS: Dialect[] = ['sqlite', 'postgres'];

/**
 * Runs a suite once per dialect. The PostgreSQL run is skipped (with a printed warning) only
 * when PostgreSQL is unreachable and CI is not set; under CI=true an unreachable server fails.
 */
export async function describeEachDialect(name: string, fn: (dialect: Dialect) => void, opts: { sideBySide?: boolean } = {}): Promise<void> {
  const { describe } = await import('vitest');
  const pgOk = await postgresAvailable();
  const each = () => {
    for (const dialect of DIALECTS) {
      describe.skipIf(dialect === 'postgres' && !pgOk)(`${name} [${dialect}]`, () => fn(dialect));
    }
  };
  // sideBySide: the two suites run at once, for suites that share nothing and mostly wait (a
  // deadline, a throttle's pause). Their tests then run concurrently: a suite whose tests must
  // keep their order marks them it.sequential, and takes `expect` from each test's context.
  if (opts.sideBySide) describe.concurrent('the dialects side by side', each);
  else each();
}

/**
 * The migrated template of this run (test/setup/postgres-template.ts), for a database that
 * Mailroom will migrate anyway; undefined outside a vitest run or without PostgreSQL.
 */
export async function migratedTemplate(): Promise<string | undefined> {
  try {
    const { inject } = await import('vitest');
    return inject('postgresTemplate') || undefined;
  } catch {
    return undefined;
  }
}
