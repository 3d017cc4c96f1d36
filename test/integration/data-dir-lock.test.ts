import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockDataDir } from '../../src/app-core.js';
import { CLI_COMMAND, ROOT, runCli, startCli, type RunningMailroom } from '../helpers/cli.js';

/**
 * SQLite belongs to one process. A second `mailroom start` on the same data directory is refused
 * at once, naming the process that serves it, and the first goes on accepting and delivering mail;
 * admin commands still run beside it, `rotate-key` does not. A process killed with -9 leaves
 * nothing locked, and a clean stop lets the next one in.
 */
describe('one Mailroom process per SQLite data directory', { timeout: 240_000 }, () => {
  let dataDir: string;
  let env: Record<string, string>;
  let first: RunningMailroom | undefined;
  let key: string;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-lock-'));
    env = {
      MAILROOM_DATA_DIR: dataDir,
      MAILROOM_HOST: '127.0.0.1',
      MAILROOM_ADMIN_EMAIL: 'ops@example.com',
      MAILROOM_ADMIN_PASSWORD: 'ops-password-1',
      DATABASE_URL: '',
      MAILROOM_SECRET_KEY: '',
      MAILROOM_MAIL_DRIVER: 'log',
      MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com',
      MAILROOM_OUTBOX_POLL_MS: '100',
    };
  });
  afterAll(async () => {
    await first?.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  const send = async (url: string, subject: string) => {
    const res = await fetch(`${url}/api/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ to: ['ann@example.net'], subject, text: 'x' }),
    });
    expect(res.status, await res.clone().text()).toBe(202);
    return ((await res.json()) as { id: string }).id;
  };
  /** Polls until the message is delivered (`logged`: the log driver's delivery), or fails naming its last status. */
  const delivered = async (url: string, id: string) => {
    let status = '';
    for (const until = Date.now() + 30_000; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
      const res = await fetch(`${url}/api/v1/messages/${id}`, { headers: { authorization: `Bearer ${key}` } });
      status = ((await res.json()) as { status: string }).status;
      if (status === 'logged') return;
    }
    expect.fail(`${id} was not delivered: ${status}`);
  };
  /**
   * A start that should be refused: if it runs instead (the defect), it is killed by its PID after
   * 60 s and the test fails on its exit, rather than leaving a second server on the directory.
   */
  const secondStart = () =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [...CLI_COMMAND, 'start'], { cwd: ROOT, env: { ...process.env, ...env, MAILROOM_PORT: '0', MAILROOM_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => process.kill(child.pid!, 'SIGKILL'), 60_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });

  it('refuses a second start and rotate-key beside a running one, which keeps accepting and delivering; admin commands run beside it', async () => {
    first = await startCli(env);
    const second = await secondStart();
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`mailroom: ${dataDir} is in use by another Mailroom process (PID ${first.child.pid} on ${hostname()}, started `);
    expect(second.stderr).toContain('); stop it first, or give this one a MAILROOM_DATA_DIR of its own\n  (MAILROOM_E_DATA_DIR_IN_USE)');
    // Refused before it opened the store: it printed nothing, said no storage, and no stack.
    expect(second.stdout).toBe('');
    expect(second.stderr).not.toContain('using SQLite');
    expect(second.stderr).not.toMatch(/\n\s+at /);
    expect(first.child.exitCode).toBeNull();

    const rotate = await runCli(['rotate-key'], env);
    expect(rotate.code).toBe(1);
    expect(rotate.stderr).toContain('stop it before rotating the key');
    expect(rotate.stderr).toContain('(MAILROOM_E_DATA_DIR_IN_USE)');
    expect(rotate.stdout).toBe('');

    // Admin commands beside it, and the running process answers with what they made.
    const created = await runCli(['apikey', 'create', '--name', 'beside', '--scopes', 'send,read'], env);
    expect(created.code, created.stderr).toBe(0);
    key = created.stdout.trim();
    const user = await runCli(['user', 'create', '--email', 'viewer@example.com', '--password-env', 'PW'], { ...env, PW: 'viewer-password-1' });
    expect(user.code, user.stderr).toBe(0);
    const queued = await runCli(['send', '--to', 'bob@example.net', '--subject', 'from the CLI', '--text', 'x'], env);
    expect(queued.code, queued.stderr).toBe(0);
    const ids = [queued.stdout.split(' ')[0]];
    for (let i = 0; i < 5; i++) ids.push(await send(first.url, `after the refused start ${i}`));
    for (const id of ids) await delivered(first.url, id);
  });

  it('takes the directory over once the process holding it is killed with -9; a clean stop lets the next one in', async () => {
    await first!.stop('SIGKILL');
    first = undefined;
    // No cleanup between: the holder file the killed process left names it, and blocks nothing.
    const next = await startCli(env);
    try {
      expect(next.stdout()).toContain('Mailroom is running');
      await delivered(next.url, await send(next.url, 'after kill -9'));
      const again = await secondStart();
      expect(again.code).toBe(1);
      expect(again.stderr).toContain(`(PID ${next.child.pid} on ${hostname()}, started `);
    } finally {
      await next.stop();
    }
    expect(next.child.exitCode).toBe(0);
    // Stopped cleanly, the key can be rotated, and a start follows at once.
    const rotate = await runCli(['rotate-key'], env);
    expect(rotate.code, rotate.stderr).toBe(0);
    const last = await startCli(env);
    await last.stop();
  });

  it('in one process: a second claim is refused until the first is released, then granted', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mailroom-lock-inproc-'));
    try {
      const release = lockDataDir(dir, 'stop it first');
      expect(() => lockDataDir(dir, 'stop it first')).toThrow(expect.objectContaining({ code: 'MAILROOM_E_DATA_DIR_IN_USE', message: expect.stringContaining(`PID ${process.pid} on ${hostname()}`) }));
      release();
      release(); // a second release is a no-op
      lockDataDir(dir, 'stop it first')();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
