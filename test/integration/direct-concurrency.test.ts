import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { freePort } from '../helpers/ports.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Per-domain concurrency of direct delivery against slow exchangers on loopback: with
 * `direct.maxConnectionsPerDomain` 2 and `maxConnections` 3, sixteen messages to two domains
 * (eight each, sent with sixteen in flight) never have more than 2 transactions or connections
 * open at one domain's exchanger, nor more than 3 in all, and the limits are reached.
 */
interface Exchanger {
  open: number;
  maxOpen: number;
  inFlight: number;
  maxInFlight: number;
  received: string[][];
  server: SMTPServer;
}

const total = { inFlight: 0, maxInFlight: 0 };

async function slowExchanger(address: string, port: number): Promise<Exchanger> {
  const x = { open: 0, maxOpen: 0, inFlight: 0, maxInFlight: 0, received: [] } as unknown as Exchanger;
  x.server = new SMTPServer({
    disableReverseLookup: true,
    logger: false,
    authOptional: true,
    hideSTARTTLS: true,
    onConnect(_s, cb) {
      x.open++;
      x.maxOpen = Math.max(x.maxOpen, x.open);
      cb();
    },
    onClose() {
      x.open--;
    },
    onMailFrom(_a, _s, cb) {
      x.inFlight++;
      total.inFlight++;
      x.maxInFlight = Math.max(x.maxInFlight, x.inFlight);
      total.maxInFlight = Math.max(total.maxInFlight, total.inFlight);
      cb();
    },
    onData(stream, session, cb) {
      stream.resume();
      stream.on('end', () => {
        // Slow enough that the next messages queue up behind this transaction.
        setTimeout(() => {
          x.received.push(session.envelope.rcptTo.map((r) => r.address));
          x.inFlight--;
          total.inFlight--;
          cb();
        }, 300);
      });
    },
  });
  x.server.on('error', () => undefined);
  await new Promise<void>((resolve) => x.server.listen(port, address, resolve));
  return x;
}

describe('direct delivery keeps its per-domain and total connection limits [sqlite]', () => {
  let t: TestApp;
  let dns: DnsServer;
  const x: Record<string, Exchanger> = {};
  const ids: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    x.one = await slowExchanger('127.0.0.2', port);
    x.two = await slowExchanger('127.0.0.3', port);
    dns = await startDnsServer();
    dns.zone.set('one.test', [{ type: 'MX', exchange: 'mx.one.test', priority: 10 }]);
    dns.zone.set('mx.one.test', [{ type: 'A', address: '127.0.0.2', ttl: 600 }]);
    dns.zone.set('two.test', [{ type: 'MX', exchange: 'mx.two.test', priority: 10 }]);
    dns.zone.set('mx.two.test', [{ type: 'A', address: '127.0.0.3', ttl: 600 }]);
    t = await startTestApp('sqlite', { env: { MAILROOM_DNS_SERVERS: `127.0.0.1:${dns.port}`, MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.2,127.0.0.3' } });
    const server = (await t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: 'direct', smtp: { mode: 'direct', port, maxConnections: 3, direct: { maxConnectionsPerDomain: 2 } } } })).json();
    const account = (await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.id, address: 'a@sender.test' } })).json();
    for (let i = 0; i < 8; i++) {
      for (const domain of ['one.test', 'two.test']) {
        const res = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { accountId: account.id, to: [`r${i}@${domain}`], subject: `m${i}`, text: 't' } });
        expect(res.statusCode, res.body).toBe(202);
        ids.push(res.json().id);
      }
    }
    const dispatcher = await t.app.startDelivery({ loop: false, maxInFlight: 16 });
    await dispatcher.drain();
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await dns?.stop();
    for (const e of Object.values(x)) await new Promise<void>((resolve) => e.server.close(() => resolve()));
  });

  it('delivers every message, each to its own domain\'s exchanger', async () => {
    const statuses = await Promise.all(ids.map(async (id) => (await t.request({ method: 'GET', url: `/api/v1/messages/${id}` })).json().status));
    expect(statuses.every((s) => s === 'sent'), statuses.join(',')).toBe(true);
    expect(x.one.received.flat().sort()).toEqual(Array.from({ length: 8 }, (_, i) => `r${i}@one.test`).sort());
    expect(x.two.received.flat().sort()).toEqual(Array.from({ length: 8 }, (_, i) => `r${i}@two.test`).sort());
  });

  it('never has more than 2 transactions or connections at one domain, nor 3 in all, and reaches the limits', () => {
    for (const e of [x.one, x.two]) {
      expect(e.maxInFlight).toBeLessThanOrEqual(2);
      expect(e.maxOpen).toBeLessThanOrEqual(2);
    }
    expect(total.maxInFlight).toBe(3);
    expect(Math.max(x.one.maxInFlight, x.two.maxInFlight)).toBe(2);
  });
});
