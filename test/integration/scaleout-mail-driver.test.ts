import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli, type RunningMailroom } from '../helpers/cli.js';
import { postgresAvailable } from '../helpers/dialects.js';
import { apiRequest } from '../helpers/http.js';
import { scaleOutFixture } from '../helpers/scaleout.js';
import { haveSmtpSink } from '../helpers/smtp-sink.js';

/**
 * Every process on one PostgreSQL must use the same MAILROOM_MAIL_DRIVER. A `mailroom worker`
 * started with the log driver beside a `mailroom start` that sends by SMTP claimed a share of
 * the outbox and marked it `logged`: real mail never sent, and the worker said nothing (the
 * log driver's warning was printed only by `start`). Now each process records its driver in the
 * list of processes, and one that would deliver beside a live delivering process with another
 * driver refuses to start (MAILROOM_E_CONFIG, naming that process and both drivers); the same
 * driver starts as before.
 */
const pgOk = await postgresAvailable();
const sinkOk = haveSmtpSink();

type Listed = { id: string; role: string; hostname: string; pid: number; runs: string[]; mailDriver: string | null; self: boolean };

describe.skipIf(!pgOk || !sinkOk)('one mail driver per database [postgres]', () => {
  const f = scaleOutFixture('driver', { MAILROOM_OUTBOX_POLL_MS: '200' });
  const { env, running } = f;

  /** A process that is expected to refuse to start: its output, or a failure of the test if it ran. */
  const refused = async (extra: Record<string, string>, command: 'start' | 'worker'): Promise<string> => {
    let ran: RunningMailroom | undefined;
    const output = await startCli({ ...env(), ...extra }, 90_000, command).then(
      (r) => {
        ran = r;
        running.push(r);
        return undefined;
      },
      (err: Error) => err.message,
    );
    expect(ran?.stdout(), `a ${command} with MAILROOM_MAIL_DRIVER=${extra.MAILROOM_MAIL_DRIVER ?? 'smtp'} started beside a process with another driver`).toBeUndefined();
    return output ?? '';
  };

  it('a log-driver worker beside an smtp start refuses to start and logs nothing; an smtp worker joins', async () => {
    const api = await startCli(env());
    running.push(api);
    const key = (await runCli(['apikey', 'create', '--name', 'driver', '--scopes', 'send,read'], env())).stdout.trim();
    const list = async (): Promise<Listed[]> => JSON.parse((await apiRequest(`${api.url}/api/v1/processes`, key, 'GET')).body).items as Listed[];
    const me = (await list()).find((p) => p.self);
    expect(me).toMatchObject({ role: 'start' });
    expect(me?.runs).toContain('delivery');

    const ids: string[] = [];
    const send = async (n: number, prefix: string) => {
      for (let i = 0; i < n; i++) {
        const r = await apiRequest(`${api.url}/api/v1/messages`, key, 'POST', { to: ['someone@example.net'], subject: `${prefix} ${i}`, text: 'hello' });
        expect(r.status, r.body).toBe(202);
        ids.push(JSON.parse(r.body).id as string);
      }
    };
    await send(20, 'before');

    const output = await refused({ MAILROOM_MAIL_DRIVER: 'log' }, 'worker');
    expect(output).toContain('MAILROOM_E_CONFIG');
    expect(output).toContain('MAILROOM_MAIL_DRIVER=log');
    expect(output).toContain('MAILROOM_MAIL_DRIVER=smtp');
    expect(output).toContain(`start on ${me!.hostname} (pid ${me!.pid})`);
    expect(output).toContain('every process on one database must use the same MAILROOM_MAIL_DRIVER');

    // A log-driver start (its own data directory, no SMTP variables) is refused before its
    // bootstrap: that re-pointed the deploy-time server every process sends through at the log
    // driver's stand-in (localhost:25) before the refusal came.
    const otherDir = mkdtempSync(path.join(tmpdir(), 'mailroom-driver-other-'));
    try {
      const noSmtp = { MAILROOM_SMTP_HOST: '', MAILROOM_SMTP_PORT: '', MAILROOM_SMTP_SECURITY: '', MAILROOM_MAIL_FROM_ADDRESS: '', MAILROOM_MAIL_FROM_NAME: '' };
      const startRefused = await refused({ MAILROOM_MAIL_DRIVER: 'log', MAILROOM_DATA_DIR: otherDir, ...noSmtp }, 'start');
      expect(startRefused).toContain('MAILROOM_E_CONFIG');
      expect(startRefused).not.toContain('deploy-time mail configuration applied');
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
    const servers = JSON.parse((await apiRequest(`${api.url}/api/v1/servers`, key, 'GET')).body).items as { smtp: { host: string; port: number } }[];
    expect(servers.map((s) => [s.smtp.host, s.smtp.port])).toEqual([['127.0.0.1', f.sink.port]]);

    await send(20, 'after');
    const status = async (id: string) => JSON.parse((await apiRequest(`${api.url}/api/v1/messages/${id}`, key, 'GET')).body).status as string;
    await expect.poll(async () => (await Promise.all(ids.map(status))).filter((s) => s !== 'sent'), { timeout: 30_000 }).toEqual([]);
    expect(f.sink.count()).toBe(40);
    // The refused worker left no row behind; the list says which driver the start uses.
    expect(await list()).toEqual([expect.objectContaining({ id: me!.id, mailDriver: 'smtp' })]);

    // The same driver joins as before, and says which it uses.
    const worker = await startCli(env(), 90_000, 'worker');
    running.push(worker);
    await expect.poll(async () => (await list()).find((p) => p.role === 'worker')).toMatchObject({ mailDriver: 'smtp', runs: expect.arrayContaining(['delivery']) });
    await worker.stop();
    await api.stop();
  }, 240_000);

  it('an smtp worker beside a log-driver start refuses too, and a log-driver worker prints that no mail is sent', async () => {
    const api = await startCli({ ...env(), MAILROOM_MAIL_DRIVER: 'log' });
    running.push(api);
    const output = await refused({}, 'worker');
    expect(output).toContain('MAILROOM_E_CONFIG');
    expect(output).toContain('MAILROOM_MAIL_DRIVER=smtp');
    expect(output).toContain('MAILROOM_MAIL_DRIVER=log');

    // The same (log) driver starts, and its worker warns as `start` does.
    const worker = await startCli({ ...env(), MAILROOM_MAIL_DRIVER: 'log' }, 90_000, 'worker');
    running.push(worker);
    // Its log is JSON lines on stdout (not a terminal), out before it says it runs.
    expect(worker.stdout()).toContain('MAILROOM_MAIL_DRIVER=log: no mail is sent');
    await worker.stop();
    await api.stop();
  }, 240_000);
});
