import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-worker-sqlite-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it('refuses `mailroom worker` on SQLite in one line naming DATABASE_URL, instead of a second process on the file', async () => {
  const env = { MAILROOM_DATA_DIR: dataDir, MAILROOM_LOG_LEVEL: 'silent' };
  expect((await runCli(['migrate'], env)).code).toBe(0);
  // Before the fix the worker ran beside `mailroom start` on the same SQLite file ("one process owns the file").
  const r = await runCli(['worker'], env);
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^mailroom: `mailroom worker` needs PostgreSQL \(DATABASE_URL\)/);
  expect(r.stderr).toContain('(MAILROOM_E_CONFIG)');
  expect(r.stderr).not.toMatch(/\n\s+at /);
}, 30_000);
