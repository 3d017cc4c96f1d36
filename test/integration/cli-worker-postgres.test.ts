import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';
import { createPostgresDatabase, postgresAvailable } from '../helpers/dialects.js';

/**
 * docs/operations.md: only `start` and `migrate` create a store. `mailroom worker` made one on an
 * empty database (the schema, and a master key in its own data directory), so workers that came
 * up first each had a key of their own and the `mailroom start` that followed on another host was
 * refused for a key its operator never had. Now the worker stops and says what to start first.
 */
const pgOk = await postgresAvailable();

describe.skipIf(!pgOk)('mailroom worker on a database without a store [postgres]', () => {
  let db: Awaited<ReturnType<typeof createPostgresDatabase>>;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-worker-pg-'));
  beforeAll(async () => {
    db = await createPostgresDatabase();
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses to create one, creates nothing, and runs once `mailroom migrate` made it', async () => {
    const env = { DATABASE_URL: db.url, MAILROOM_DATA_DIR: dataDir, MAILROOM_LOG_LEVEL: 'warn' };
    const refused = await runCli(['worker'], env);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    const where = new URL(db.url);
    expect(refused.stderr).toContain(`mailroom: there is no Mailroom data in PostgreSQL at ${where.host}${where.pathname} (no Mailroom tables): start \`mailroom start\` (or run \`mailroom migrate\`) on it first`);
    expect(refused.stderr).toContain('(MAILROOM_E_CONFIG)');
    expect(existsSync(path.join(dataDir, 'secret.key'))).toBe(false);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      expect((await client.query("select count(*)::int as n from pg_tables where schemaname = 'public'")).rows[0].n).toBe(0);
    } finally {
      await client.end();
    }
    expect((await runCli(['migrate'], env)).code).toBe(0);
    // With the store there, the worker joins it.
    const worker = await startCli(env, 60_000, 'worker');
    await worker.stop();
  }, 120_000);
});
