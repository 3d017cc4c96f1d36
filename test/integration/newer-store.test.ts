import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli.js';
import { createPostgresDatabase, describeEachDialect } from '../helpers/dialects.js';

/**
 * A store a newer Mailroom migrated (an old process restarted after an upgrade, a binary rolled
 * back without its database) was refused as "cannot open SQLite …: corrupted migrations:
 * previously executed migration 035_future_thing is missing (MAILROOM_E_STORE_UNAVAILABLE)",
 * as if the store were broken or unreachable. It is refused as a version too old for it.
 */
await describeEachDialect('a store migrated by a newer Mailroom', (dialect) => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-newer-store-'));
  let pgDb: Awaited<ReturnType<typeof createPostgresDatabase>> | undefined;
  const env = (): Record<string, string> => ({ MAILROOM_DATA_DIR: dataDir, MAILROOM_LOG_LEVEL: 'warn', ...(pgDb ? { DATABASE_URL: pgDb.url } : {}) });
  beforeAll(async () => {
    if (dialect === 'postgres') pgDb = await createPostgresDatabase();
  });
  afterAll(async () => {
    await pgDb?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function recordFutureMigrations(names: string[]): Promise<void> {
    if (pgDb) {
      const client = new pg.Client({ connectionString: pgDb.url });
      await client.connect();
      try {
        for (const name of names) await client.query('insert into mailroom_migrations (name, timestamp) values ($1, $2)', [name, new Date().toISOString()]);
      } finally {
        await client.end();
      }
      return;
    }
    const db = new Database(path.join(dataDir, 'mailroom.db'));
    try {
      for (const name of names) db.prepare('insert into mailroom_migrations (name, timestamp) values (?, ?)').run(name, new Date().toISOString());
    } finally {
      db.close();
    }
  }

  it('is refused with MAILROOM_E_CONFIG naming the unknown migrations and what to do', { timeout: 120_000 }, async () => {
    const made = await runCli(['migrate'], env());
    expect(made.code, made.stderr).toBe(0);
    await recordFutureMigrations(['036_another_future_thing', '035_future_thing']);
    const refused = await runCli(['migrate'], env());
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/was migrated by a newer Mailroom \(035_future_thing, 036_another_future_thing\); run that version or newer, or restore a backup taken before the upgrade/);
    expect(refused.stderr).toContain('(MAILROOM_E_CONFIG)');
    expect(refused.stderr).not.toContain('corrupted migrations');
    expect(refused.stderr).not.toContain('MAILROOM_E_STORE_UNAVAILABLE');
  });
});

it('mailroom --version and -V print the package version', { timeout: 60_000 }, async () => {
  const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) {
    const r = await runCli([flag], {});
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${version}\n`);
  }
});
