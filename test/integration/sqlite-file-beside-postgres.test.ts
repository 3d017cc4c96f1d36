import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';
import { createPostgresDatabase, postgresAvailable } from '../helpers/dialects.js';

const pgReachable = await postgresAvailable();

/** The warning's JSON log lines (level 40) in what a start printed. */
const warnings = (out: string): string[] =>
  out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; msg: string })
    .filter((l) => l.level === 40)
    .map((l) => l.msg);

/**
 * An install switched from SQLite to PostgreSQL (DATABASE_URL set, the data directory still
 * holding mailroom.db with its data) started an empty store in PostgreSQL, with a new first
 * admin, and said nothing of the file: it looked as if the data were lost. The start now warns,
 * naming the file, that its data is not used and that Mailroom has no tool to copy it over.
 */
describe.skipIf(!pgReachable && process.env.CI !== 'true')('a SQLite store beside DATABASE_URL', { timeout: 120_000 }, () => {
  let dataDir: string;
  let db: Awaited<ReturnType<typeof createPostgresDatabase>>;
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-sqlite-beside-pg-'));
    db = await createPostgresDatabase();
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is named in a warning at start; without the file there is none', async () => {
    const env = { MAILROOM_DATA_DIR: dataDir, MAILROOM_LOG_LEVEL: 'warn', MAILROOM_LOG_FORMAT: 'json' };
    // Nothing in the data directory yet: no warning.
    const first = await startCli({ ...env, DATABASE_URL: db.url });
    await first.stop();
    expect(warnings(first.stdout()).filter((m) => m.includes('mailroom.db'))).toEqual([]);

    // A SQLite store with data in it (an API key), as an install that ran without DATABASE_URL has.
    const made = await runCli(['--create-store', 'apikey', 'create', '--name', 'before-postgres', '--scopes', 'send'], env);
    expect(made.code, made.stderr).toBe(0);

    const second = await startCli({ ...env, DATABASE_URL: db.url });
    await second.stop();
    const said = warnings(second.stdout()).filter((m) => m.includes('mailroom.db'));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain(`${path.join(dataDir, 'mailroom.db')} holds a SQLite store that this process does not use`);
    expect(said[0]).toContain('Mailroom has no tool that copies a SQLite store into PostgreSQL');
  });
});
