import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_COMMAND, ROOT, runCli } from '../helpers/cli.js';
import { apiRequest } from '../helpers/http.js';

/**
 * SQLite whose file can no longer grow: `mailroom start` under a file size limit (`ulimit -f`,
 * SIGXFSZ ignored, so a write past it fails with EFBIG, as on a full disk or quota). Every POST
 * answered 503 (SQLITE_IOERR_WRITE) while /readyz said "ready": a load balancer kept sending it
 * the requests that all failed. Now /readyz answers 503 with the reason while writes fail, and
 * ready again once a write succeeds (the limit lifted with prlimit, the next heartbeat writes).
 * The background checkpoint's warning, printed on every failed checkpoint (hundreds a minute),
 * is printed once per cause and minute.
 */
const haveBash = (() => {
  try {
    execFileSync('bash', ['-c', 'ulimit -S -f 3072'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const havePrlimit = (() => {
  try {
    execFileSync('prlimit', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** The file size limit: 3 MiB (1 KiB blocks), a soft one the test may lift again without privileges. */
const LIMIT_BLOCKS = 3072;

describe.skipIf(!haveBash || process.platform !== 'linux')('SQLite that cannot write: /readyz', () => {
  let dataDir = '';
  let child: ChildProcess | undefined;
  let url = '';
  let key = '';
  let stderr = '';

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-fsize-'));
    const env = {
      MAILROOM_DATA_DIR: dataDir,
      DATABASE_URL: '',
      MAILROOM_MAIL_DRIVER: 'log',
      MAILROOM_ADMIN_EMAIL: 'admin@example.com',
      MAILROOM_ADMIN_PASSWORD: 'fsize-test-password',
      MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com',
      MAILROOM_PORT: '0',
      MAILROOM_LOG_LEVEL: 'warn',
    };
    // The store and a key first, without the limit.
    const created = await runCli(['--create-store', 'apikey', 'create', '--name', 'fsize', '--scopes', 'send,read'], env);
    expect(created.code, created.stderr).toBe(0);
    key = created.stdout.trim();
    const command = [process.execPath, ...CLI_COMMAND, 'start'].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    child = spawn('bash', ['-c', `trap '' XFSZ; ulimit -S -f ${LIMIT_BLOCKS}; exec ${command}`], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr!.on('data', (d) => (stderr += d));
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`mailroom did not start:\n${out}\n${stderr}`)), 90_000);
      child!.stdout!.on('data', (d) => {
        out += d;
        const m = /Mailroom is running: (http:\/\/\S+?)\/?\n/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child!.once('exit', (code) => reject(new Error(`mailroom exited with ${code}:\n${out}\n${stderr}`)));
    });
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const readyz = async () => {
    const res = await fetch(`${url}/readyz`);
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { status: string; reason?: string } };
  };

  it('is not ready while writes fail, says why, warns of failing checkpoints once per cause and minute, and is ready again once a write succeeds', async () => {
    expect((await readyz()).status).toBe(200);
    // 100 KB bodies until the files cannot grow: the first refusals come while a checkpoint can
    // still make room in the WAL (a smaller write then succeeds, and readiness comes back). Twenty
    // refusals in a row are not enough on their own: a checkpoint held back by a reader for a
    // while refuses them too, and once it completes the WAL starts again (CI saw readiness come
    // back 3 s later). So it goes on until the database file is at the limit as well (a failed
    // checkpoint leaves it there): then nothing is written any more.
    const text = 'x'.repeat(100_000);
    const databaseAtLimit = () => statSync(path.join(dataDir, 'mailroom.db')).size >= LIMIT_BLOCKS * 1024 - 4096;
    let refused: { status: number; body: string } | undefined;
    let inARow = 0;
    for (let i = 0; i < 600 && !(inARow >= 20 && databaseAtLimit()); i++) {
      const r = await apiRequest(`${url}/api/v1/messages`, key, 'POST', { to: ['someone@example.net'], subject: `big ${i}`, text: `${text} ${i}` });
      if (r.status === 202) inARow = 0;
      else {
        refused = r;
        inARow++;
        // Time for the background checkpoint (every 50 ms) to try, and fail, to make room.
        if (inARow >= 20) await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    expect(inARow, 'POSTs refused in a row').toBeGreaterThanOrEqual(20);
    expect(databaseAtLimit(), 'the database file at the size limit').toBe(true);
    expect(refused?.status, refused?.body).toBe(503);
    expect(JSON.parse(refused!.body).error.code).toBe('MAILROOM_E_STORE_UNAVAILABLE');

    const notReady = await readyz();
    expect(notReady.status, JSON.stringify(notReady.body)).toBe(503);
    expect(notReady.retryAfter).toBe('5');
    expect(notReady.body.status).toBe('not ready');
    expect(notReady.body.reason).toMatch(/SQLITE_IOERR|SQLITE_FULL/);
    expect(notReady.body.reason).toContain('cannot write');

    // Still refusing a few seconds later: the background checkpoints keep failing meanwhile.
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await readyz()).status).toBe(503);
    const warnings = stderr.split('\n').filter((l) => l.includes('checkpoint failed'));
    expect(warnings.length).toBeGreaterThan(0);
    // One line per cause (within the minute this test takes).
    expect(warnings.length, warnings.join('\n')).toBe(new Set(warnings.map((l) => l.replace(/^\(node:\d+\) /, ''))).size);

    // Ready again once a write succeeds: the limit lifted (prlimit; without it, not simulated).
    if (!havePrlimit) return;
    execFileSync('prlimit', ['--pid', String(child!.pid), '--fsize=unlimited:']);
    // The next heartbeat (every 10 s) writes; no request is needed for readiness to come back.
    await expect.poll(async () => (await readyz()).status, { timeout: 30_000, interval: 500 }).toBe(200);
    const r = await apiRequest(`${url}/api/v1/messages`, key, 'POST', { to: ['someone@example.net'], subject: 'after', text: 'small' });
    expect(r.status, r.body).toBe(202);
  }, 150_000);
});
