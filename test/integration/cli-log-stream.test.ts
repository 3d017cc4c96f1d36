import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-log-stream-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/**
 * A one-shot command's stdout is its answer: `KEY=$(mailroom apikey create …)` from a script, a
 * cron job or `docker exec` without a terminal captured the JSON log line of the migrations the
 * command applied before the key. Its JSON log lines go to stderr now; a server's stay on stdout.
 */
it('keeps a one-shot command\'s JSON log lines off stdout, its answer', async () => {
  const r = await runCli(['--create-store', 'apikey', 'create', '--name', 'scripted', '--scopes', 'send'], { MAILROOM_DATA_DIR: dataDir, MAILROOM_LOG_LEVEL: 'info', MAILROOM_LOG_FORMAT: 'json' });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/^mrk_[\w-]+\n$/);
  const logged = r.stderr.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { msg: string });
  expect(logged.map((l) => l.msg)).toContain('database migrations applied');
}, 30_000);
