import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';
import { postgresAvailable } from '../helpers/dialects.js';
import { apiRequest } from '../helpers/http.js';
import { scaleOutFixture } from '../helpers/scaleout.js';
import { haveSmtpSink } from '../helpers/smtp-sink.js';

/**
 * Roles split across processes on one PostgreSQL: `mailroom start --no-workers` serves the API
 * and delivers nothing (no outbox worker, no LISTEN connection); the messages it accepts wait
 * until a `mailroom worker` runs, which sends them, and the next one it accepts wakes that
 * worker by NOTIFY well before the worker's own poll. On SQLite the option is refused before
 * anything is created: one process owns the file and must deliver too.
 */
const POLL_MS = 60_000;
/** Well below POLL_MS: a delivery within this time was woken, not polled. */
const WOKEN_WITHIN_MS = 20_000;
const pgOk = await postgresAvailable();
const sinkOk = haveSmtpSink();

describe('mailroom start --no-workers', () => {
  it('is refused on SQLite with a configuration error, and creates no store', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-roles-'));
    try {
      const r = await runCli(['start', '--no-workers'], { MAILROOM_DATA_DIR: dataDir, MAILROOM_PORT: '0', DATABASE_URL: '' });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('--no-workers needs PostgreSQL');
      expect(r.stderr).toContain('MAILROOM_E_CONFIG');
      expect(r.stdout).not.toContain('Mailroom is running');
      expect(readdirSync(dataDir)).toEqual([]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  describe.skipIf(!pgOk || !sinkOk)('beside a mailroom worker [postgres]', () => {
    const f = scaleOutFixture('roles', { MAILROOM_OUTBOX_POLL_MS: String(POLL_MS) });
    const { env, subjects, listeners, running } = f;

    it('accepts without delivering; a worker sends what waited and is woken for what comes next', async () => {
      const api = await startCli(env(), 90_000, 'start', ['--no-workers']);
      running.push(api);
      expect(api.stdout()).toContain('workers: none in this process (--no-workers)');
      expect(api.stdout()).toContain('no `mailroom worker` listens on this database yet');
      const key = (await runCli(['apikey', 'create', '--name', 'roles', '--scopes', 'send,read'], env())).stdout.trim();
      const send = async (subject: string) => {
        const r = await apiRequest(`${api.url}/api/v1/messages`, key, 'POST', { to: ['someone@example.net'], subject, text: 'hello' });
        expect(r.status, r.body).toBe(202);
        return JSON.parse(r.body).id as string;
      };
      const status = async (id: string) => JSON.parse((await apiRequest(`${api.url}/api/v1/messages/${id}`, key, 'GET')).body).status as string;

      const waiting = await send('accepted before any worker');
      // Nothing in this process delivers or listens: the message stays queued.
      await new Promise((r) => setTimeout(r, 1_500));
      expect(await status(waiting)).toBe('queued');
      expect(f.sink.count()).toBe(0);
      expect(await listeners()).toEqual([]);

      const worker = await startCli(env(), 90_000, 'worker');
      running.push(worker);
      await expect.poll(() => subjects().includes('accepted before any worker'), { timeout: 30_000 }).toBe(true);
      await expect.poll(listeners, { timeout: 10_000 }).toHaveLength(1);

      // A second API process started now sees the worker and says nothing about it.
      const second = await startCli(env(), 90_000, 'start', ['--no-workers']);
      running.push(second);
      expect(second.stdout()).toContain('workers: none in this process (--no-workers)');
      expect(second.stdout()).not.toContain('listens on this database yet');
      await second.stop();

      // The worker now waits POLL_MS for its next round: only the API process's NOTIFY can wake it sooner.
      const woken = await send('accepted with a worker listening');
      await expect.poll(() => subjects().includes('accepted with a worker listening'), { timeout: WOKEN_WITHIN_MS }).toBe(true);
      await expect.poll(() => status(woken), { timeout: 10_000 }).toBe('sent');
      expect(await status(waiting)).toBe('sent');
      expect(api.child.exitCode).toBeNull();
      expect(existsSync(path.join(f.dataDir, 'mailroom.db'))).toBe(false);
    }, 180_000);
  });
});
