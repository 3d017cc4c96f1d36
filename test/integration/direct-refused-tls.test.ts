import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Dispatcher } from '../../src/delivery/dispatcher.js';
import { freePort } from '../helpers/diagnostics-peers.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A transaction that ran over TLS and was refused (every RCPT, or the message at its end) still
 * records the TLS it ran over: in the attempt's route and in the `direct delivery transaction`
 * log line, as a transaction that was accepted does. Real smtp-server exchangers offering
 * STARTTLS (with smtp-server's own certificate: opportunistic TLS uses it unverified).
 */
async function exchanger(address: string, port: number, opts: Partial<SMTPServerOptions>): Promise<{ secured: number; stop(): Promise<void> }> {
  const x = { secured: 0, stop: async () => undefined as void };
  const server = new SMTPServer({
    disableReverseLookup: true,
    logger: false,
    authOptional: true,
    onMailFrom(_a, session, cb) {
      if (session.secure) x.secured++;
      cb();
    },
    onData(stream, _s, cb) {
      stream.on('data', () => undefined);
      stream.on('end', () => cb());
    },
    ...opts,
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(port, address, resolve));
  x.stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return x;
}

await describeEachDialect('direct delivery: the TLS of a refused transaction is recorded', (dialect) => {
  let t: TestApp;
  let dns: DnsServer;
  let dispatcher: Dispatcher;
  let accountId: string;
  const peers: Awaited<ReturnType<typeof exchanger>>[] = [];

  const post = async (url: string, payload: object) => {
    const res = await t.request({ method: 'POST', url: `/api/v1/${url}`, payload });
    if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const send = async (to: string[]) => {
    const { id } = await post('messages', { accountId, to, subject: 'direct', text: 'hello' });
    await dispatcher.drain();
    return (await t.request({ method: 'GET', url: `/api/v1/messages/${id}` })).json();
  };
  const logged = (id: string) => {
    const line = t.logLines.find((l) => l.includes('direct delivery transaction') && l.includes(id));
    expect(line).toBeDefined();
    return JSON.parse(line as string);
  };

  beforeAll(async () => {
    const port = await freePort();
    // Refuses every recipient (550 to each RCPT TO): nodemailer reports EENVELOPE.
    peers.push(
      await exchanger('127.0.0.2', port, {
        onRcptTo(_a, _s, cb) {
          cb(Object.assign(new Error('5.1.1 no such user here'), { responseCode: 550 }));
        },
      }),
    );
    // Takes the recipients and refuses the message at its end (554 to the final dot).
    peers.push(
      await exchanger('127.0.0.3', port, {
        onData(stream, _s, cb) {
          stream.on('data', () => undefined);
          stream.on('end', () => cb(Object.assign(new Error('5.7.1 message content rejected'), { responseCode: 554 })));
        },
      }),
    );
    dns = await startDnsServer();
    dns.zone.set('refused.test', [{ type: 'MX', exchange: 'mx.refused.test', priority: 10 }]);
    dns.zone.set('mx.refused.test', [{ type: 'A', address: '127.0.0.2' }]);
    dns.zone.set('content.test', [{ type: 'MX', exchange: 'mx.content.test', priority: 10 }]);
    dns.zone.set('mx.content.test', [{ type: 'A', address: '127.0.0.3' }]);
    t = await startTestApp(dialect, { env: { MAILROOM_DNS_SERVERS: `127.0.0.1:${dns.port}`, MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.2,127.0.0.3' } });
    dispatcher = await t.app.startDelivery({ loop: false });
    const server = await post('servers', { name: 'direct', smtp: { mode: 'direct', port, connectTimeoutSec: 3, sendTimeoutSec: 5 } });
    accountId = (await post('accounts', { serverId: server.id, address: 'alerts@sender.test' })).id;
  });

  afterAll(async () => {
    await t?.close();
    await dns?.stop();
    for (const p of peers) await p.stop();
  });

  it('every recipient refused over STARTTLS: the route and the log carry the negotiated TLS', async () => {
    const m = await send(['nobody@refused.test', 'other@refused.test']);
    expect(m.status).toBe('failed');
    expect(peers[0].secured).toBeGreaterThanOrEqual(1);
    expect(m.recipients.map((r: { response: string }) => r.response).join('\n')).toMatch(/550 5\.1\.1 no such user here/);
    const [route] = m.attempts[0].routes;
    expect(route).toMatchObject({ domain: 'refused.test', exchanger: 'mx.refused.test', address: '127.0.0.2', tlsPolicy: 'opportunistic', tls: { verified: false } });
    expect(route.tls.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(logged(m.id).tls).toMatch(/^TLSv1\.[23] \S+ unverified$/);
  });

  it('the message refused at its end over STARTTLS: the route and the log carry the negotiated TLS', async () => {
    const m = await send(['someone@content.test']);
    expect(m.status).toBe('failed');
    expect(peers[1].secured).toBeGreaterThanOrEqual(1);
    expect(m.recipients[0].response).toMatch(/554 5\.7\.1 message content rejected/);
    const [route] = m.attempts[0].routes;
    expect(route).toMatchObject({ domain: 'content.test', exchanger: 'mx.content.test', address: '127.0.0.3', tls: { verified: false } });
    expect(route.tls.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(logged(m.id).tls).toMatch(/^TLSv1\.[23] \S+ unverified$/);
  });
});
