import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_COMMAND, ROOT } from '../helpers/cli.js';

const SCRIPT = '/usr/bin/script';
function haveScript(): boolean {
  if (existsSync(SCRIPT)) return true;
  if (process.env.CI === 'true') throw new Error(`CI=true but ${SCRIPT} (util-linux) is missing`);
  console.warn(`[mailroom tests] ${SCRIPT} not found: the terminal output test is SKIPPED`);
  return false;
}

/**
 * `mailroom start` on a terminal (a pseudo-terminal from util-linux `script`): readable log
 * lines, never JSON, and the banner in one piece; without a terminal the log stays JSON.
 */
describe.skipIf(!haveScript())('start output on a terminal', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-tty-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('prints readable log lines and the banner in one piece, no JSON', async () => {
    const child = spawn(SCRIPT, ['-qfec', [process.execPath, ...CLI_COMMAND, 'start'].map((a) => JSON.stringify(a)).join(' '), '/dev/null'], {
      cwd: ROOT,
      env: { ...process.env, MAILROOM_DATA_DIR: dataDir, MAILROOM_PORT: '0', MAILROOM_LOG_LEVEL: 'info', MAILROOM_LOG_FORMAT: '', NO_COLOR: '1', MAILROOM_MAIL_DRIVER: 'log' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const deadline = Date.now() + 30_000;
    while (!/API docs:[^\n]*\n/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    const lines = out.split(/\r?\n/).filter(Boolean);
    expect(lines.some((l) => l.trimStart().startsWith('{'))).toBe(false);
    // pino's lines as "12:00:01 WARN  MAILROOM_MAIL_DRIVER=log: …"
    expect(lines.some((l) => /^\d\d:\d\d:\d\d WARN {2}MAILROOM_MAIL_DRIVER=log/.test(l))).toBe(true);
    const start = lines.findIndex((l) => l.startsWith('Mailroom is running:'));
    expect(start).toBeGreaterThanOrEqual(0);
    expect(lines[start + 1]).toMatch(/^ {2}storage: SQLite at /);
    expect(lines[start + 2]).toMatch(/^ {2}API docs: /);
  }, 60_000);

  it('without a terminal, writes the log as JSON lines for collectors, the banner as plain lines', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mailroom-notty-'));
    const child = spawn(process.execPath, [...CLI_COMMAND, 'start'], {
      cwd: ROOT,
      env: { ...process.env, MAILROOM_DATA_DIR: dir, MAILROOM_PORT: '0', MAILROOM_LOG_LEVEL: 'info', MAILROOM_LOG_FORMAT: '', MAILROOM_MAIL_DRIVER: 'log' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    try {
      const deadline = Date.now() + 60_000;
      while (!/API docs:[^\n]*\n/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    }
    const lines = out.split('\n').filter(Boolean);
    const json = lines.filter((l) => l.startsWith('{'));
    // The same warning as on a terminal, as one JSON object per line.
    const warning = json.map((l) => JSON.parse(l) as { level: number; msg: string }).find((e) => e.msg.startsWith('MAILROOM_MAIL_DRIVER=log'));
    expect(warning, out + err).toMatchObject({ level: 40 });
    expect(lines.some((l) => /^\d\d:\d\d:\d\d WARN/.test(l))).toBe(false);
    // The banner's lines are whole lines between them, none split by a log line.
    const start = lines.findIndex((l) => l.startsWith('Mailroom is running:'));
    expect(start, out).toBeGreaterThanOrEqual(0);
    expect(lines[start + 1]).toMatch(/^ {2}storage: SQLite at /);
    expect(lines[start + 2]).toMatch(/^ {2}API docs: /);
  }, 90_000);
});
