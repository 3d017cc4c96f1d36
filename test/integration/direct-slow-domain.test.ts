import net from 'node:net';
import type { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAcceptingExchanger } from '../helpers/accepting-exchanger.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { freePort } from '../helpers/ports.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * One slow destination must not stop direct delivery: a tarpit exchanger (it accepts the
 * connection and never greets) with many messages waiting for its two connections, and a
 * message to a healthy domain behind them in the queue. The tarpit's waiters may not hold every
 * in-flight slot of the outbox, so the healthy message goes out at once; and a stop lets go of
 * the tarpit's waiters instead of serving them one greeting timeout after another.
 */
const GREETING_TIMEOUT_SEC = 10;

describe('direct delivery with a tarpitting destination domain [sqlite]', () => {
  let t: TestApp;
  let dns: DnsServer;
  let tarpit: net.Server;
  let healthy: SMTPServer;
  const held: net.Socket[] = [];
  let tarpitConnections = 0;
  let firstTarpitConnection = 0;
  const received: string[] = [];
  let accountId: string;

  const post = async (url: string, payload: object) => {
    const res = await t.request({ method: 'POST', url: `/api/v1/${url}`, payload });
    if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const get = async (id: string) => (await t.request({ method: 'GET', url: `/api/v1/messages/${id}` })).json();

  beforeAll(async () => {
    const port = await freePort();
    tarpit = net.createServer((socket) => {
      tarpitConnections++;
      firstTarpitConnection ||= performance.now();
      held.push(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => tarpit.listen(port, '127.0.0.10', resolve));
    healthy = await startAcceptingExchanger('127.0.0.2', port, received);
    dns = await startDnsServer();
    dns.zone.set('slow.test', [{ type: 'MX', exchange: 'mx.slow.test', priority: 10, ttl: 600 }]);
    dns.zone.set('mx.slow.test', [{ type: 'A', address: '127.0.0.10', ttl: 600 }]);
    dns.zone.set('ok.test', [{ type: 'MX', exchange: 'mx.ok.test', priority: 10, ttl: 600 }]);
    dns.zone.set('mx.ok.test', [{ type: 'A', address: '127.0.0.2', ttl: 600 }]);
    t = await startTestApp('sqlite', { env: { MAILROOM_DNS_SERVERS: `127.0.0.1:${dns.port}`, MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.2,127.0.0.10' } });
    const server = await post('servers', { name: 'direct', smtp: { mode: 'direct', port, connectTimeoutSec: GREETING_TIMEOUT_SEC, sendTimeoutSec: 10 } });
    accountId = (await post('accounts', { serverId: server.id, address: 'a@sender.test' })).id;
  });

  afterAll(async () => {
    await t?.close();
    await dns?.stop();
    for (const s of held) s.destroy();
    await new Promise<void>((resolve) => (tarpit ? tarpit.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (healthy ? healthy.close(() => resolve()) : resolve()));
  });

  it('delivers a message to a healthy domain promptly while 60 messages wait for a silent one, and a stop lets the waiters go', async () => {
    const dispatcher = await t.app.startDelivery({ maxInFlight: 40, pollMs: 100 });
    // The SMTP thread started and warm (from source it takes seconds to load): the timings below are delivery's own.
    const warm = (await post('messages', { accountId, to: ['warm@ok.test'], subject: 'warm', text: 't' })).id;
    await expect.poll(async () => (await get(warm)).status, { timeout: 30_000, interval: 100 }).toBe('sent');
    const slow: string[] = [];
    for (let i = 0; i < 60; i++) slow.push((await post('messages', { accountId, to: [`s${i}@slow.test`], subject: `s${i}`, text: 't' })).id);
    const ok = (await post('messages', { accountId, to: ['x@ok.test'], subject: 'ok', text: 't' })).id;
    await expect.poll(() => firstTarpitConnection, { timeout: 10_000, interval: 20 }).toBeGreaterThan(0);
    // Before: the 40 in-flight slots all waited for slow.test's two connections, a greeting timeout a pair (~300 s).
    await expect.poll(async () => (await get(ok)).status, { timeout: GREETING_TIMEOUT_SEC * 1000, interval: 100 }).toBe('sent');
    // Sent before the tarpit's first timeout: it never waited behind it.
    expect(performance.now() - firstTarpitConnection).toBeLessThan(GREETING_TIMEOUT_SEC * 1000);
    expect(received).toEqual(['warm@ok.test', 'x@ok.test']);
    expect(tarpitConnections).toBe(2);

    // Those held back were deferred with the reason, not failed.
    const deferred = (await Promise.all(slow.map(get))).filter((m) => m.status === 'deferred');
    expect(deferred.length).toBeGreaterThan(0);
    expect(deferred[0].recipients[0]).toMatchObject({ status: 'deferred' });
    expect(deferred[0].lastError).toMatch(/slow\.test is slow to take mail .* already wait for one: retrying later/);
    const waiting = (await Promise.all(slow.map(get))).filter((m) => m.status === 'sending').length;
    // Beside the two sessions under way, some are still waiting for a slot at the stop.
    expect(waiting).toBeGreaterThan(2);

    // A stop finishes within one greeting timeout (the two sessions under way), not one per pair of waiters.
    const stopping = performance.now();
    await dispatcher.stop();
    expect(performance.now() - stopping).toBeLessThan(GREETING_TIMEOUT_SEC * 1000 + 2_000);
    const after = await Promise.all(slow.map(get));
    expect(after.some((m) => m.status === 'sending')).toBe(false);
    // The waiters let go went back to the queue untouched: no attempt recorded for them.
    expect(after.filter((m) => m.status === 'queued' && m.attemptCount === 0).length).toBeGreaterThan(0);
    // Two sessions at a time: the first two, and at most the two that followed their timeout.
    expect(tarpitConnections).toBeLessThanOrEqual(4);
  }, 120_000);
});
