import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-cli-concurrent-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/**
 * One-shot commands run at once on one SQLite store (a provisioning script, or a command beside
 * `mailroom start`) each wait for the write lock. A transaction that read first and wrote after
 * another process had written failed at once with SQLITE_BUSY ("the database is not reachable
 * right now"), which busy_timeout does not wait out: 3 of 12 `user create` run four at a time.
 */
it('creates every user when several `mailroom user create` run at once on one SQLite store', async () => {
  const env = { MAILROOM_DATA_DIR: dataDir, MAILROOM_LOG_LEVEL: 'warn' };
  expect((await runCli(['migrate', '--create-store'], env)).code).toBe(0);
  for (const round of [1, 2]) {
    const runs = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => runCli(['user', 'create', '--email', `u${round}-${i}@example.com`, '--password', 'long-enough-password'], env)));
    for (const [i, r] of runs.entries()) {
      expect(r.stderr, `u${round}-${i + 1}`).not.toContain('SQLITE_BUSY');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`u${round}-${i + 1}@example.com`);
    }
  }
}, 120_000);
