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

    // Started beside the first `mailroom start` of a new database, a worker can find the schema
    // made and the first master key not yet recorded: it records none of its own either (on
    // another host: a data directory of its own, no MAILROOM_SECRET_KEY).
    const client2 = new pg.Client({ connectionString: db.url });
    await client2.connect();
    const otherHost = mkdtempSync(path.join(tmpdir(), 'mailroom-worker-pg-other-'));
    try {
      const { rows } = await client2.query("select key_id, ciphertext, created_at, updated_at from secrets where id = 'key_check'");
      await client2.query("delete from secrets where id = 'key_check'");
      const early = await runCli(['worker'], { ...env, MAILROOM_DATA_DIR: otherHost });
      expect(early.code).toBe(1);
      expect(early.stderr).toContain(`there is no Mailroom data in PostgreSQL at ${where.host}${where.pathname} yet (no master key recorded): start \`mailroom start\``);
      expect(existsSync(path.join(otherHost, 'secret.key'))).toBe(false);
      expect((await client2.query("select count(*)::int as n from secrets where id = 'key_check'")).rows[0].n).toBe(0);
      // The first start records it (here: put back as migrate wrote it).
      const k = rows[0];
      await client2.query("insert into secrets (id, key_id, ciphertext, created_at, updated_at) values ('key_check', $1, $2, $3, $4)", [k.key_id, k.ciphertext, k.created_at, k.updated_at]);
    } finally {
      await client2.end();
      rmSync(otherHost, { recursive: true, force: true });
    }
    // With the store there, the worker joins it.
    const worker = await startCli(env, 60_000, 'worker');
    await worker.stop();
  }, 120_000);
});
