import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/kernel/clock.js';
import { Dispatcher } from '../../src/delivery/dispatcher.js';
import { runCli, startCli, type RunningMailroom } from '../helpers/cli.js';
import { apiRequest } from '../helpers/http.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { haveSmtpSink, messageIdOf, startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Crash safety: a worker's claims return to the queue when its lease ends (both dialects,
 * manual clock), and `mailroom start` killed with SIGKILL in the middle of a 5,000-message run
 * loses nothing it acknowledged (real process, real SQLite file, smtp-sink).
 */
const sinkOk = haveSmtpSink();

await describeEachDialect('lease takeover after a worker dies', (dialect) => {
  if (!sinkOk) return;
  let t: TestApp;
  let sink: SmtpSink;
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp(dialect, { clock });
    const server = (await t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: 'sink', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', requireTls: false } } })).json();
    await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.id, address: 'app@example.com' } });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  it('returns a dead worker\'s claims to the queue when the lease ends, and delivers them once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: [`l${i}@example.net`], subject: `lease ${i}`, text: 'x' } })).json().id);
    // A worker claims them and dies before sending (nothing recorded, nothing sent).
    const dead = await t.app.ports.ctx.store.repos.messages.claim({ owner: 'dead-worker', now: clock.now(), leaseUntil: clock.now() + 60_000, limit: 10 });
    expect(dead.map((m) => m.id).sort()).toEqual([...ids].sort());
    const live = new Dispatcher({ ctx: t.app.ports.ctx, capabilities: { ...t.app.infra.capabilities, multiWriter: true }, logger: t.app.logger, deliverer: { logOnly: false, send: async () => ({ accepted: [], rejected: [] }) } });
    await live.drain();
    expect((await t.request({ method: 'GET', url: `/api/v1/messages/${ids[0]}` })).json().status).toBe('sending');
    clock.advance(61_000);
    const dispatcher = await t.app.startDelivery({ loop: false });
    await dispatcher.drain();
    for (const id of ids) expect((await t.request({ method: 'GET', url: `/api/v1/messages/${id}` })).json().status).toBe('sent');
    expect(sink.count()).toBe(3);
  });
});

describe('SIGKILL in the middle of a 5,000-message run (mailroom start, SQLite)', () => {
  if (!sinkOk) return;
  const N = 5_000;
  let sink: SmtpSink;
  let dataDir: string;
  let running: RunningMailroom | undefined;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  beforeAll(async () => {
    sink = await startSmtpSink();
    dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-crash-'));
  });
  afterAll(async () => {
    await running?.stop('SIGKILL');
    agent.destroy();
    await sink?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const env = () => ({
    MAILROOM_DATA_DIR: dataDir,
    MAILROOM_ADMIN_EMAIL: 'admin@example.com',
    MAILROOM_ADMIN_PASSWORD: 'crash-test-password',
    MAILROOM_SMTP_HOST: '127.0.0.1',
    MAILROOM_SMTP_PORT: String(sink.port),
    MAILROOM_SMTP_SECURITY: 'none',
    MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com',
    MAILROOM_MAIL_FROM_NAME: 'App',
  });

  const request = (url: string, key: string, method: string, payload?: unknown) => apiRequest(url, key, method, payload, agent);

  it('delivers every acknowledged message after a restart; duplicates are counted', async () => {
    const key = (await runCli(['--create-store', 'apikey', 'create', '--name', 'crash', '--scopes', 'send,read,admin'], env())).stdout.trim();
    running = await startCli(env());
    const first = running;
    const accepted = new Map<string, string>(); // id -> subject
    let next = 0;
    let killed = false;
    const submit = async () => {
      while (next < N && !killed) {
        const i = next++;
        try {
          const res = await request(`${first.url}/api/v1/messages`, key, 'POST', { to: [`r${i % 20}@example.net`], subject: `crash ${i}`, text: `body ${i}` });
          if (res.status === 202) accepted.set(JSON.parse(res.body).id, `crash ${i}`);
        } catch {
          // The connection died with the process: this request was never acknowledged.
        }
        if (!killed && accepted.size >= N / 2 && sink.count() > 0) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 32 }, submit));
    expect(killed).toBe(true);
    await first.stop('SIGKILL');
    const beforeRestart = sink.count();
    expect(beforeRestart).toBeLessThan(accepted.size);

    // Restart on the same data directory and send the rest of the run.
    running = await startCli(env());
    const second = running;
    for (let i = next; i < N; i++) {
      const res = await request(`${second.url}/api/v1/messages`, key, 'POST', { to: [`r${i % 20}@example.net`], subject: `crash ${i}`, text: `body ${i}` });
      expect(res.status).toBe(202);
      accepted.set(JSON.parse(res.body).id, `crash ${i}`);
    }
    // Wait until everything acknowledged has been delivered.
    const deadline = Date.now() + 90_000;
    let pending = Infinity;
    while (Date.now() < deadline) {
      const res = await request(`${second.url}/api/v1/messages?status=queued,sending,deferred&limit=1`, key, 'GET');
      pending = JSON.parse(res.body).items.length;
      if (pending === 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(pending).toBe(0);
    const header = new Map<string, string>();
    for (const id of accepted.keys()) header.set(`<${id.slice(4)}@example.com>`, id);
    const seen = new Map<string, number>();
    for (const dump of sink.messages()) {
      const mid = messageIdOf(dump);
      if (mid) seen.set(mid, (seen.get(mid) ?? 0) + 1);
    }
    const lost = [...header.keys()].filter((mid) => !seen.has(mid));
    const duplicates = [...seen.values()].filter((n) => n > 1).reduce((a, n) => a + n - 1, 0);
    console.log(`[crash test] acknowledged ${accepted.size} of ${N}; delivered before the kill ${beforeRestart}; lost ${lost.length}; duplicates ${duplicates}`);
    expect(lost).toEqual([]);
    // A duplicate can only be a message on the wire at the instant of the kill (at most the pool's in-flight count).
    expect(duplicates).toBeLessThanOrEqual(200);
  }, 150_000);
});
