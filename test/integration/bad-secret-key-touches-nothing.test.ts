import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createPostgresDatabase, describeEachDialect } from '../helpers/dialects.js';

/**
 * A MAILROOM_SECRET_KEY that is no key (a truncated paste) is refused before the store is opened:
 * it created and migrated a new SQLite file (or gave an empty PostgreSQL database Mailroom's
 * schema) and only then said MAILROOM_E_SECRET_KEY_INVALID, leaving a store without a key check.
 */
await describeEachDialect('a malformed MAILROOM_SECRET_KEY', (dialect) => {
  it('is refused with MAILROOM_E_SECRET_KEY_INVALID and no store is created', async () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'mailroom-bad-key-'));
    const dataDir = path.join(parent, 'data');
    const pgDb = dialect === 'postgres' ? await createPostgresDatabase() : undefined;
    try {
      const config = loadConfig({ MAILROOM_DATA_DIR: dataDir, MAILROOM_SECRET_KEY: 'c2hvcnQ=', ...(pgDb ? { DATABASE_URL: pgDb.url } : {}) }, { runWorkers: false });
      await expect(createApp(config, { logger: createLogger('silent') })).rejects.toMatchObject({ code: 'MAILROOM_E_SECRET_KEY_INVALID' });
      if (pgDb) {
        const c = new pg.Client({ connectionString: pgDb.url });
        await c.connect();
        const tables = (await c.query("select count(*)::int as n from information_schema.tables where table_schema = 'public'")).rows[0].n;
        await c.end();
        expect(tables).toBe(0);
      } else {
        expect(existsSync(dataDir)).toBe(false);
      }
    } finally {
      await pgDb?.drop();
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
