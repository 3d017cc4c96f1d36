import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';
import { createPostgresDatabase, describeEachDialect } from '../helpers/dialects.js';

/**
 * docs/operations.md, Rotation: "stop Mailroom". On SQLite `rotate-key` is refused while a
 * `mailroom start` serves the data directory; on PostgreSQL nothing refused it, and a `mailroom
 * worker` still running held the old key only: it could no longer read the re-encrypted
 * passwords, and wrote new secrets under the old key (the next start then refused the database
 * for a key it no longer had). A process that runs workers is seen by its LISTEN connection.
 * (SQLite's side is data-dir-lock.test.ts; this file runs its PostgreSQL half only.)
 */
await describeEachDialect('rotate-key beside a running worker', (dialect) => {
  it.skipIf(dialect === 'sqlite')('is refused while a mailroom worker runs on the database, and runs once it is stopped', { timeout: 180_000 }, async () => {
    const db = await createPostgresDatabase();
    const dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-rotate-pg-'));
    const env = { DATABASE_URL: db.url, MAILROOM_DATA_DIR: dataDir, MAILROOM_SECRET_KEY: randomBytes(32).toString('base64'), MAILROOM_MAIL_DRIVER: 'log' };
    try {
      expect((await runCli(['migrate'], env)).code).toBe(0);
      const worker = await startCli(env, 90_000, 'worker');
      let refused;
      try {
        refused = await runCli(['rotate-key'], env);
      } finally {
        await worker.stop();
      }
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/is in use by 1 Mailroom process that runs workers .*stop every mailroom start and mailroom worker on it before rotating the key/);
      expect(refused.stderr).toContain('(MAILROOM_E_DATA_DIR_IN_USE)');
      expect(refused.stdout).toBe('');
      const rotated = await runCli(['rotate-key'], env);
      expect(rotated.code, rotated.stderr).toBe(0);
      expect(rotated.stdout).toMatch(/re-encrypted \d+ secrets/);
    } finally {
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
