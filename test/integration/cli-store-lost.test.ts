import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createPostgresDatabase, migratedTemplate, postgresAvailable } from '../helpers/dialects.js';

/**
 * A one-shot command whose connection to the store is lost mid-command fails with its own
 * one-line message and code. It used to print a server's log line first: level 50 JSON with a
 * stack trace, saying "requests are refused with 503 until it answers again", which no command
 * does. The connection is lost for real: the command waits on a table lock the test holds, and
 * the test ends the command's backend (pg_terminate_backend), as a database restart would.
 */
const pgOk = await postgresAvailable();

describe.skipIf(!pgOk)('a one-shot command that loses its store [postgres]', () => {
  let db: Awaited<ReturnType<typeof createPostgresDatabase>>;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-cli-lost-'));
  let env: Record<string, string> = {};
  beforeAll(async () => {
    db = await createPostgresDatabase({ template: await migratedTemplate() });
    env = { DATABASE_URL: db.url, MAILROOM_DATA_DIR: dataDir, MAILROOM_LOG_LEVEL: 'warn', MAILROOM_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') };
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('says what happened in one line with its code, no log line, no stack trace, nothing stored', async () => {
    const holder = new pg.Client({ connectionString: db.url });
    // Outside the holder's transaction, which would see one snapshot of pg_stat_activity.
    const observer = new pg.Client({ connectionString: db.url });
    await Promise.all([holder.connect(), observer.connect()]);
    try {
      await holder.query('begin');
      await holder.query('lock table api_keys in access exclusive mode');
      let ended: Awaited<ReturnType<typeof runCli>> | undefined;
      const command = runCli(['apikey', 'create', '--name', 'lost', '--scopes', 'send'], env).then((r) => (ended = r));
      // The command's backend waiting on the lock: ended as a restart would end it.
      await expect
        .poll(
          async () => {
            if (ended) throw new Error(`the command ended before it waited on the lock:\n${ended.stderr}`);
            const waiting = "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and wait_event_type = 'Lock'";
            return (await observer.query(waiting)).rowCount;
          },
          { timeout: 60_000, interval: 100 },
        )
        .toBeGreaterThan(0);
      await holder.query('rollback');
      const result = await command;
      expect(result.code, result.stderr).toBe(1);
      expect(result.stdout).toBe('');
      const lines = result.stderr.trim().split('\n');
      expect(lines, result.stderr).toEqual([
        expect.stringMatching(/^mailroom: using PostgreSQL at /),
        'mailroom: the database is not reachable right now (connection lost); nothing was stored; try again shortly',
        '  (MAILROOM_E_STORE_UNAVAILABLE)',
      ]);
      expect((await holder.query("select count(*)::int as n from api_keys where name = 'lost'")).rows[0].n).toBe(0);
    } finally {
      await Promise.all([holder.end(), observer.end()]);
    }
  }, 90_000);
});
