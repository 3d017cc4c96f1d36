import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { openKeyring } from '../../src/secrets/rotation.js';
import { openDatabase } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrator.js';
import { createPostgresDatabase, describeEachDialect } from '../helpers/dialects.js';

/**
 * Several processes meeting a fresh store at once: a deployment that starts its `mailroom start`
 * replicas and `mailroom worker`s together on an empty PostgreSQL database, or `mailroom migrate`
 * run beside the first `mailroom start` of a new SQLite data directory. Each opens the store,
 * writes the key check and looks for the first admin; only one may write either, and the others
 * must go on with what it wrote (they failed with "duplicate key value violates unique constraint
 * secrets_pkey", or blamed MAILROOM_ADMIN_EMAIL for the admin another start had just created).
 */
await describeEachDialect('processes starting together on a fresh store', (dialect) => {
  it('all start, one creates the first admin and the key check, every one reads the same secrets', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-first-start-'));
    const pgDb = dialect === 'postgres' ? await createPostgresDatabase() : undefined;
    const apps: App[] = [];
    try {
      const env = { MAILROOM_DATA_DIR: dataDir, MAILROOM_MAIL_DRIVER: 'log', ...(pgDb ? { DATABASE_URL: pgDb.url } : {}) };
      const starts = await Promise.allSettled(
        [0, 1, 2].map(() => createApp(loadConfig(env, { runWorkers: false }), { logger: createLogger('silent') })),
      );
      for (const s of starts) if (s.status === 'fulfilled') apps.push(s.value);
      expect(starts.map((s) => (s.status === 'rejected' ? String((s.reason as Error).message) : 'started'))).toEqual(['started', 'started', 'started']);
      // The generated password is printed by the one start that created the admin, never twice.
      expect(apps.filter((a) => a.firstAdmin?.generatedPassword)).toHaveLength(1);
      expect(await apps[0].ports.ctx.store.repos.users.count()).toBe(1);
      // One key: the file each start read is the one the key check was written with.
      const keyIds = new Set(apps.map((a) => a.infra.keyring.current.id));
      expect(keyIds.size).toBe(1);
      expect(readFileSync(path.join(dataDir, 'secret.key'), 'utf8').trim()).not.toBe('');
    } finally {
      for (const a of apps) await a.close();
      await pgDb?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('two openings that both find no key check: one writes it, the other checks its key against it', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-key-check-'));
    const pgDb = dialect === 'postgres' ? await createPostgresDatabase() : undefined;
    const database = openDatabase({ databaseUrl: pgDb?.url, dataDir });
    try {
      await migrateToLatest(database.db, database.describe);
      const envKey = Buffer.alloc(32, 7).toString('base64');
      // Both read "no check yet" before either writes (this is what two processes did).
      const opened = await Promise.allSettled([openKeyring(database.db, { envKey, dataDir }, 1), openKeyring(database.db, { envKey, dataDir }, 1)]);
      expect(opened.map((o) => (o.status === 'rejected' ? String((o.reason as Error).message) : 'opened'))).toEqual(['opened', 'opened']);
      // A different key meeting the check the first wrote is still refused, as at any start.
      const other = Buffer.alloc(32, 9).toString('base64');
      await expect(openKeyring(database.db, { envKey: other, dataDir }, 1)).rejects.toMatchObject({ code: 'MAILROOM_E_SECRET_KEY_MISMATCH' });
    } finally {
      await database.close();
      await pgDb?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
