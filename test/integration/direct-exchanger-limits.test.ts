import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dispatcher } from '../../src/delivery/dispatcher.js';
import { startAcceptingExchanger } from '../helpers/accepting-exchanger.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { freePort } from '../helpers/ports.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * What one domain's part of an attempt may cost, against a real DNS server and exchangers on
 * loopback: at most 5 exchanger addresses, 2 sessions and 10 name lookups (as Postfix's
 * smtp_mx_address_limit and smtp_mx_session_limit), a bounded list of the exchangers passed over;
 * and a domain whose exchangers are out of reach for good only when each one is.
 */
describe('direct delivery\'s limits per attempt [sqlite]', () => {
  let t: TestApp;
  let dns: DnsServer;
  let dispatcher: Dispatcher;
  let accountId: string;
  const busy: { address: string; connections: number; server: SMTPServer }[] = [];
  let backup: SMTPServer;
  const received: string[] = [];

  const post = async (url: string, payload: object) => {
    const res = await t.request({ method: 'POST', url: `/api/v1/${url}`, payload });
    if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const send = async (to: string[]) => {
    const { id } = await post('messages', { accountId, to, subject: 'limits', text: 'hello' });
    await dispatcher.drain();
    return (await t.request({ method: 'GET', url: `/api/v1/messages/${id}` })).json();
  };
  const askedFor = (suffix: string, type: string) => new Set(dns.asked.filter((q) => q.endsWith(`${suffix} ${type}`)).map((q) => q.split(' ')[0])).size;

  beforeAll(async () => {
    const port = await freePort();
    // Exchangers that greet and then answer MAIL FROM with 421: each is a session passed over.
    for (const address of ['127.0.0.3', '127.0.0.4', '127.0.0.5']) {
      const x = { address, connections: 0 } as (typeof busy)[number];
      x.server = new SMTPServer({
        disableReverseLookup: true,
        logger: false,
        authOptional: true,
        hideSTARTTLS: true,
        onConnect(_s, cb) {
          x.connections++;
          cb();
        },
        onMailFrom(_a, _s, cb) {
          cb(Object.assign(new Error('4.3.2 too busy, try again later'), { responseCode: 421 }));
        },
      });
      x.server.on('error', () => undefined);
      await new Promise<void>((resolve) => x.server.listen(port, address, resolve));
      busy.push(x);
    }
    // An exchanger that takes mail: the backup behind private ones.
    backup = await startAcceptingExchanger('127.0.0.6', port, received);
    // Over TCP too: thirty MX records do not fit a UDP answer.
    dns = await startDnsServer(undefined, { tcp: true });
    // many.test: 30 exchangers on an address where nothing listens (connection refused).
    dns.zone.set('many.test', Array.from({ length: 30 }, (_, i) => ({ type: 'MX' as const, exchange: `mx${i}.many.test`, priority: 10 + i })));
    for (let i = 0; i < 30; i++) dns.zone.set(`mx${i}.many.test`, [{ type: 'A', address: '127.0.0.9' }]);
    // sf.test: 30 exchangers whose names the DNS server fails to resolve.
    dns.zone.set('sf.test', Array.from({ length: 30 }, (_, i) => ({ type: 'MX' as const, exchange: `mx${i}.sf.test`, priority: 10 + i })));
    for (let i = 0; i < 30; i++) dns.zone.set(`mx${i}.sf.test`, [{ type: 'SERVFAIL' }]);
    // busy.test: three exchangers, each ending the session with 421.
    dns.zone.set('busy.test', ['3', '4', '5'].map((n, i) => ({ type: 'MX' as const, exchange: `mx${n}.busy.test`, priority: 10 + i })));
    for (const n of ['3', '4', '5']) dns.zone.set(`mx${n}.busy.test`, [{ type: 'A', address: `127.0.0.${n}` }]);
    // mixed.test: one exchanger on a private address, the other's name fails to resolve (SERVFAIL).
    dns.zone.set('mixed.test', [{ type: 'MX', exchange: 'priv.mixed.test', priority: 10 }, { type: 'MX', exchange: 'sf.mixed.test', priority: 20 }]);
    dns.zone.set('priv.mixed.test', [{ type: 'A', address: '10.0.0.1' }]);
    dns.zone.set('sf.mixed.test', [{ type: 'SERVFAIL' }]);
    // private.test: both exchangers on private addresses, one of them also missing (NXDOMAIN): out of reach for good.
    dns.zone.set('private.test', [{ type: 'MX', exchange: 'priv.private.test', priority: 10 }, { type: 'MX', exchange: 'gone.private.test', priority: 20 }]);
    dns.zone.set('priv.private.test', [{ type: 'A', address: '10.0.0.2' }]);
    // privfirst.test: three exchangers on two private addresses each, then a backup that takes mail.
    dns.zone.set('privfirst.test', [...['mx1', 'mx2', 'mx3', 'backup'].map((n, i) => ({ type: 'MX' as const, exchange: `${n}.privfirst.test`, priority: 10 + i }))]);
    for (const [i, n] of ['mx1', 'mx2', 'mx3'].entries()) dns.zone.set(`${n}.privfirst.test`, [{ type: 'A', address: `10.0.${i}.1` }, { type: 'A', address: `10.0.${i}.2` }]);
    dns.zone.set('backup.privfirst.test', [{ type: 'A', address: '127.0.0.6' }]);
    // hoard.test: one exchanger on 60 private addresses, then the same backup.
    dns.zone.set('hoard.test', [{ type: 'MX', exchange: 'mx.hoard.test', priority: 10 }, { type: 'MX', exchange: 'backup.hoard.test', priority: 20 }]);
    dns.zone.set('mx.hoard.test', Array.from({ length: 60 }, (_, i) => ({ type: 'A' as const, address: `10.1.0.${i + 1}` })));
    dns.zone.set('backup.hoard.test', [{ type: 'A', address: '127.0.0.6' }]);
    t = await startTestApp('sqlite', { env: { MAILROOM_DNS_SERVERS: `127.0.0.1:${dns.port}`, MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6,127.0.0.9' } });
    dispatcher = await t.app.startDelivery({ loop: false });
    const server = await post('servers', { name: 'direct', smtp: { mode: 'direct', port, connectTimeoutSec: 3, sendTimeoutSec: 5 } });
    accountId = (await post('accounts', { serverId: server.id, address: 'alerts@sender.test' })).id;
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await dns?.stop();
    for (const x of busy) await new Promise<void>((resolve) => x.server.close(() => resolve()));
    await new Promise<void>((resolve) => (backup ? backup.close(() => resolve()) : resolve()));
  });

  it('tries at most 5 exchanger addresses, and keeps the list of those passed over short', async () => {
    const m = await send(['x@many.test']);
    expect(m.status).toBe('deferred');
    const [route] = m.attempts[0].routes;
    // Before: 30 names looked up, 30 connections, 30 entries (and all of them in the response).
    expect(askedFor('.many.test', 'A')).toBe(5);
    expect(route.skipped.filter((s: string) => /127\.0\.0\.9/.test(s))).toHaveLength(5);
    expect(route.skipped.at(-1)).toMatch(/5 exchanger addresses tried \(the limit per attempt\)/);
    expect(route.response.length).toBeLessThan(1_500);
    expect(m.recipients[0].response.length).toBeLessThan(1_500);
  });

  it('looks up at most 10 exchanger names when they fail to resolve, and counts the rest', async () => {
    const m = await send(['x@sf.test']);
    expect(m.status).toBe('deferred');
    expect(askedFor('.sf.test', 'A')).toBe(10);
    const [route] = m.attempts[0].routes;
    expect(route.skipped).toHaveLength(11);
    expect(route.skipped.at(-1)).toBe('and 1 more');
    expect(route.response).toMatch(/SERVFAIL.*; and 8 more$/);
  });

  it('passes over at most 2 sessions: the third exchanger is left for the next attempt', async () => {
    const m = await send(['x@busy.test']);
    expect(m.status).toBe('deferred');
    expect(busy.map((x) => x.connections)).toEqual([1, 1, 0]);
    expect(m.attempts[0].routes[0].skipped.at(-1)).toMatch(/2 sessions passed over \(the limit per attempt\)/);
  });

  it('defers, not fails, when one exchanger is refused by the network policy and another\'s name fails to resolve for now', async () => {
    const m = await send(['x@mixed.test']);
    expect(m.status).toBe('deferred');
    expect(m.recipients[0]).toMatchObject({ status: 'deferred' });
    expect(m.attempts[0].routes[0].skipped.join('\n')).toMatch(/10\.0\.0\.1\): a private address[\s\S]*SERVFAIL/);
  });

  it('reaches a backup exchanger behind six private addresses: those refused by the network policy are not connections', async () => {
    const m = await send(['x@privfirst.test']);
    // Before: the 5 private addresses used up the limit, the backup was never considered and the mail failed for good.
    expect(m.status).toBe('sent');
    expect(received).toContain('x@privfirst.test');
    const [route] = m.attempts[0].routes;
    expect(route.address).toBe('127.0.0.6');
    expect(route.skipped.filter((s: string) => /a private address/.test(s))).toHaveLength(6);
  });

  it('examines at most 50 addresses, and defers (never fails) a domain whose other exchangers were not judged', async () => {
    const m = await send(['x@hoard.test']);
    expect(m.status).toBe('deferred');
    expect(m.recipients[0]).toMatchObject({ status: 'deferred' });
    expect(received).not.toContain('x@hoard.test');
    const [route] = m.attempts[0].routes;
    // 50 refused and the cut: 10 kept, 41 counted.
    expect(route.skipped.at(-1)).toBe('and 41 more');
  });

  it('still fails a domain whose exchangers are each refused by the network policy or do not exist', async () => {
    const m = await send(['x@private.test']);
    expect(m.status).toBe('failed');
    expect(m.recipients[0].response).toMatch(/every exchanger of private\.test resolves to an address direct delivery may not reach/);
  });
});
