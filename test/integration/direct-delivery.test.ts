import https from 'node:https';
import tls from 'node:tls';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/kernel/clock.js';
import type { Dispatcher } from '../../src/delivery/dispatcher.js';
import { freePort, selfSignedCert, tempDir, type Cert } from '../helpers/diagnostics-peers.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startDnsServer, type DnsServer, type ZoneRecord } from '../helpers/dns-server.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Direct delivery against real peers on loopback: a DNS server (dns2) answering MX, A, TXT,
 * NXDOMAIN and SERVFAIL; smtp-server exchangers on 127.0.0.2-127.0.0.7 (one port, as port 25
 * would be; allow-listed, as a loopback address must be); an HTTPS server for an MTA-STS policy.
 */
interface Peer {
  address: string;
  received: { to: string[]; raw: string; secure: boolean; ehlo: string }[];
  connections: number;
  stop(): Promise<void>;
}

async function peer(address: string, port: number, opts: Partial<SMTPServerOptions> = {}): Promise<Peer> {
  const p: Peer = { address, received: [], connections: 0, stop: async () => undefined };
  const server = new SMTPServer({
    disableReverseLookup: true,
    logger: false,
    authOptional: true,
    onConnect(_s, cb) {
      p.connections++;
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        p.received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString(), secure: session.secure, ehlo: session.hostNameAppearsAs });
        cb();
      });
    },
    ...opts,
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(port, address, resolve));
  p.stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return p;
}

const ALLOWED = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7', '127.0.0.8', '127.0.0.9'];

await describeEachDialect('direct delivery to each domain\'s exchanger', (dialect) => {
  let t: TestApp;
  let dns: DnsServer;
  let dispatcher: Dispatcher;
  let port: number;
  let stsCert: Cert;
  let stsGoodCert: Cert;
  let goodMxCert: Cert;
  let otherCert: Cert;
  let accountId: string;
  const peers: Record<string, Peer> = {};
  let policyServer: https.Server;
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 9, 0, 0));

  const post = async (url: string, payload: object) => {
    const res = await t.request({ method: 'POST', url: `/api/v1/${url}`, payload });
    if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const get = async (id: string) => (await t.request({ method: 'GET', url: `/api/v1/messages/${id}` })).json();
  const send = async (to: string[]) => {
    const { id } = await post('messages', { accountId, to, subject: 'direct', text: 'hello' });
    await dispatcher.drain();
    return get(id);
  };
  const zone = (name: string, ...records: ZoneRecord[]) => dns.zone.set(name, records);

  beforeAll(async () => {
    const dir = tempDir('mailroom-direct-');
    stsCert = selfSignedCert(dir, 'mta-sts.sts.test');
    stsGoodCert = selfSignedCert(dir, 'mta-sts.good.test');
    goodMxCert = selfSignedCert(dir, 'mx.good.test');
    otherCert = selfSignedCert(dir, 'other.test');
    port = await freePort();
    peers.a2 = await peer('127.0.0.2', port);
    // b.test's exchanger has no STARTTLS at all: not offered, and refused when asked for.
    peers.b = await peer('127.0.0.3', port, { disabledCommands: ['STARTTLS'] });
    peers.c = await peer('127.0.0.4', port, { key: otherCert.key, cert: otherCert.cert });
    peers.sts = await peer('127.0.0.6', port, { key: otherCert.key, cert: otherCert.cert });
    peers.good = await peer('127.0.0.7', port, { key: goodMxCert.key, cert: goodMxCert.cert });
    // Greylists every recipient: 451 to RCPT TO.
    peers.grey = await peer('127.0.0.8', port, {
      onRcptTo(_a, _s, cb) {
        cb(Object.assign(new Error('4.7.1 greylisted, try again later'), { responseCode: 451 }));
      },
    });
    const stsPort = await freePort();
    const good = tls.createSecureContext({ key: stsGoodCert.key, cert: stsGoodCert.cert });
    // One policy server for both domains: each name gets its own certificate (SNI).
    policyServer = https.createServer({ key: stsCert.key, cert: stsCert.cert, SNICallback: (name, cb) => cb(null, name === 'mta-sts.good.test' ? good : undefined) }, (req, res) => {
      const host = String(req.headers.host ?? '');
      const mx = host === 'mta-sts.sts.test' ? 'mx.sts.test' : 'mx.good.test';
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`version: STSv1\r\nmode: enforce\r\nmx: ${mx}\r\nmax_age: 86400\r\n`);
    });
    await new Promise<void>((resolve) => policyServer.listen(stsPort, '127.0.0.5', resolve));

    dns = await startDnsServer();
    // a.test: the preferred exchanger refuses connections (nothing listens on 127.0.0.9), the next one answers.
    zone('a.test', { type: 'MX', exchange: 'mx1.a.test', priority: 10 }, { type: 'MX', exchange: 'mx2.a.test', priority: 20 });
    zone('mx1.a.test', { type: 'A', address: '127.0.0.9' });
    zone('mx2.a.test', { type: 'A', address: '127.0.0.2' });
    // b.test: no MX at all; its A record is the exchanger. No STARTTLS there.
    zone('b.test', { type: 'A', address: '127.0.0.3' });
    zone('c.test', { type: 'MX', exchange: 'mx.c.test', priority: 5 });
    zone('mx.c.test', { type: 'A', address: '127.0.0.4' });
    zone('grey.test', { type: 'MX', exchange: 'mx.grey.test', priority: 10 });
    zone('mx.grey.test', { type: 'A', address: '127.0.0.8' });
    zone('weird.test', { type: 'MX', exchange: 'mx!evil.test', priority: 10 });
    zone('null.test', { type: 'MX', exchange: '', priority: 0 });
    zone('servfail.test', { type: 'SERVFAIL' });
    zone('meta.test', { type: 'MX', exchange: 'mx.meta.test', priority: 10 });
    zone('mx.meta.test', { type: 'A', address: '169.254.169.254' });
    zone('lo.test', { type: 'MX', exchange: 'mx.lo.test', priority: 10 });
    zone('mx.lo.test', { type: 'A', address: '127.0.0.1' });
    // MTA-STS enforce; the exchanger's certificate names another host: defer, never clear text.
    zone('sts.test', { type: 'MX', exchange: 'mx.sts.test', priority: 10 });
    zone('mx.sts.test', { type: 'A', address: '127.0.0.6' });
    zone('_mta-sts.sts.test', { type: 'TXT', data: 'v=STSv1; id=20260105' });
    zone('mta-sts.sts.test', { type: 'A', address: '127.0.0.5' });
    // MTA-STS enforce with a certificate that is valid for the exchanger: delivered, verified.
    zone('good.test', { type: 'MX', exchange: 'mx.good.test', priority: 10 });
    zone('mx.good.test', { type: 'A', address: '127.0.0.7' });
    zone('_mta-sts.good.test', { type: 'TXT', data: 'v=STSv1; id=1' });
    zone('mta-sts.good.test', { type: 'A', address: '127.0.0.5' });

    t = await startTestApp(dialect, {
      clock,
      env: { MAILROOM_DNS_SERVERS: `127.0.0.1:${dns.port}`, MAILROOM_ALLOW_PRIVATE_HOSTS: ALLOWED.join(',') },
      direct: { extraCa: [stsCert.cert, stsGoodCert.cert, goodMxCert.cert], mtaStsPort: stsPort },
    });
    dispatcher = await t.app.startDelivery({ loop: false });
    const server = await post('servers', { name: 'direct', smtp: { mode: 'direct', port, connectTimeoutSec: 3, sendTimeoutSec: 5 } });
    accountId = (await post('accounts', { serverId: server.id, address: 'alerts@sender.test' })).id;
  });

  afterAll(async () => {
    await t?.close();
    await dns?.stop();
    await new Promise<void>((resolve) => (policyServer ? policyServer.close(() => resolve()) : resolve()));
    for (const p of Object.values(peers)) await p.stop();
  });

  it('tries exchangers in preference order: the first refuses connections, the second answers and is recorded', async () => {
    const m = await send(['rcpt@a.test']);
    expect(m.status).toBe('sent');
    expect(peers.a2.received.at(-1)?.to).toEqual(['rcpt@a.test']);
    const [route] = m.attempts[0].routes;
    expect(route).toMatchObject({ domain: 'a.test', exchanger: 'mx2.a.test', address: '127.0.0.2', port, recipients: ['rcpt@a.test'], tlsPolicy: 'opportunistic' });
    expect(route.skipped[0]).toMatch(/^mx1\.a\.test \(127\.0\.0\.9\): .*(refused|ECONNREFUSED)/i);
    // smtp-server offers STARTTLS with its own certificate: used, not verified (opportunistic).
    expect(route.tls).toMatchObject({ verified: false });
    expect(route.tls.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(peers.a2.received.at(-1)?.secure).toBe(true);
    // The log says the same per transaction: exchanger, address and the TLS negotiated.
    const line = t.logLines.find((l) => l.includes('direct delivery transaction') && l.includes(m.id));
    expect(line).toBeDefined();
    expect(JSON.parse(line as string)).toMatchObject({ domain: 'a.test', exchanger: 'mx2.a.test', address: '127.0.0.2', port, tlsPolicy: 'opportunistic', tls: expect.stringMatching(/^TLSv1\.[23] \S+ unverified$/) });
  });

  it('falls back to the A record when a domain has no MX, and stays in plain text when no STARTTLS is offered', async () => {
    const m = await send(['x@b.test']);
    expect(m.status).toBe('sent');
    expect(m.attempts[0].routes[0]).toMatchObject({ domain: 'b.test', exchanger: 'b.test', address: '127.0.0.3', tls: null });
    expect(peers.b.received.at(-1)).toMatchObject({ to: ['x@b.test'], secure: false });
  });

  it('turns one message to three domains into three transactions, each with its own recipients', async () => {
    const before = { a: peers.a2.received.length, b: peers.b.received.length, c: peers.c.received.length };
    const m = await send(['one@a.test', 'two@b.test', 'three@c.test', 'four@a.test']);
    expect(m.status).toBe('sent');
    expect(peers.a2.received.slice(before.a).map((r) => r.to.sort())).toEqual([['four@a.test', 'one@a.test']]);
    expect(peers.b.received.slice(before.b).map((r) => r.to)).toEqual([['two@b.test']]);
    expect(peers.c.received.slice(before.c).map((r) => r.to)).toEqual([['three@c.test']]);
    const routes = m.attempts[0].routes as { domain: string; exchanger: string; recipients: string[] }[];
    expect(routes.map((r) => [r.domain, r.exchanger, r.recipients.sort()]).sort()).toEqual([
      ['a.test', 'mx2.a.test', ['four@a.test', 'one@a.test']],
      ['b.test', 'b.test', ['two@b.test']],
      ['c.test', 'mx.c.test', ['three@c.test']],
    ]);
    expect(m.recipients.every((r: { status: string }) => r.status === 'accepted')).toBe(true);
  });

  it('fails a domain with a null MX at once, and an NXDOMAIN one with a clear reason', async () => {
    const nul = await send(['x@null.test']);
    expect(nul.status).toBe('failed');
    expect(nul.recipients[0]).toMatchObject({ status: 'rejected' });
    expect(nul.recipients[0].response).toMatch(/null MX/);
    const nx = await send(['x@nx.test']);
    expect(nx.status).toBe('failed');
    expect(nx.recipients[0].response).toMatch(/nx\.test does not exist \(NXDOMAIN\)/);
  });

  it('defers on SERVFAIL and keeps the other domains\' outcomes', async () => {
    const m = await send(['x@servfail.test', 'y@b.test']);
    expect(m.status).toBe('deferred');
    const by = Object.fromEntries(m.recipients.map((r: { address: string }) => [r.address, r]));
    expect(by['x@servfail.test']).toMatchObject({ status: 'deferred' });
    expect(by['x@servfail.test'].response).toMatch(/SERVFAIL/);
    expect(by['y@b.test']).toMatchObject({ status: 'accepted' });
    clock.advance(5_000);
    dns.zone.set('servfail.test', [{ type: 'MX', exchange: 'mx.c.test', priority: 1 }]);
    await dispatcher.drain();
    const again = await get(m.id);
    expect(again.status).toBe('sent');
    expect(peers.c.received.at(-1)?.to).toEqual(['x@servfail.test']);
  });

  it('refuses exchangers on a metadata or a loopback address that is not allow-listed, without connecting', async () => {
    for (const domain of ['meta.test', 'lo.test']) {
      const m = await send([`x@${domain}`]);
      expect(m.status).toBe('failed');
      expect(m.recipients[0].response).toMatch(/may not reach/);
      expect(m.attempts[0].routes[0]).toMatchObject({ exchanger: null, address: null });
      expect(m.attempts[0].routes[0].skipped[0]).toMatch(domain === 'meta.test' ? /169\.254\.169\.254\): a metadata address/ : /127\.0\.0\.1\): a loopback address/);
    }
    expect(t.logLines.join('')).toContain('direct delivery refused an exchanger address');
  });

  it('passes over an exchanger whose name is not a host name', async () => {
    const m = await send(['x@weird.test']);
    expect(m.status).toBe('deferred');
    expect(m.attempts[0].routes[0]).toMatchObject({ exchanger: null });
    expect(m.attempts[0].routes[0].skipped[0]).toMatch(/not a valid host name/);
  });

  it('defers under an MTA-STS enforce policy when the exchanger\'s certificate does not match, instead of sending in clear', async () => {
    const m = await send(['x@sts.test']);
    expect(m.status).toBe('deferred');
    expect(peers.sts.received).toHaveLength(0);
    const [route] = m.attempts[0].routes;
    expect(route).toMatchObject({ tlsPolicy: 'mta-sts', exchanger: null });
    expect(m.recipients[0].response).toMatch(/TLS is required for this domain \(its MTA-STS policy enforces it\)/);
  });

  it('delivers under an MTA-STS enforce policy with a verified certificate', async () => {
    const m = await send(['x@good.test']);
    expect(m.status).toBe('sent');
    expect(m.attempts[0].routes[0]).toMatchObject({ tlsPolicy: 'mta-sts', exchanger: 'mx.good.test', tls: { verified: true } });
    expect(peers.good.received.at(-1)).toMatchObject({ to: ['x@good.test'], secure: true });
  });

  it('requires TLS for a domain the admin lists: no STARTTLS there defers', async () => {
    const srv = (await t.request({ method: 'GET', url: '/api/v1/servers' })).json().items.find((s: { name: string }) => s.name === 'direct');
    const res = await t.request({ method: 'PATCH', url: `/api/v1/servers/${srv.id}`, payload: { version: srv.version, smtp: { direct: { requireTlsDomains: ['b.test'] } } } });
    expect(res.statusCode).toBe(200);
    const before = peers.b.received.length;
    const m = await send(['x@b.test']);
    expect(m.status).toBe('deferred');
    expect(m.attempts[0].routes[0].tlsPolicy).toBe('required');
    expect(peers.b.received).toHaveLength(before);
    // The words are about the domain's exchanger, not the relay advice (another port, security "none") a direct server refuses.
    const said = [m.lastError, m.recipients[0].response, m.attempts[0].hint, m.attempts[0].routes[0].response].join('\n');
    expect(said).toMatch(/TLS is required for this domain \(smtp\.requireTls, or smtp\.direct\.requireTlsDomains lists it\) and b\.test does not offer STARTTLS/);
    expect(said).not.toMatch(/security|port with STARTTLS|implicit TLS/);
  });

  it('reuses the pooled connection to a domain\'s exchanger for the next message', async () => {
    const before = { connections: peers.c.connections, received: peers.c.received.length };
    await send(['r1@c.test']);
    await send(['r2@c.test']);
    expect(peers.c.received.slice(before.received).map((r) => r.to)).toEqual([['r1@c.test'], ['r2@c.test']]);
    // Without reuse: two new connections. An idle one from an earlier test may even serve both.
    expect(peers.c.connections - before.connections).toBeLessThanOrEqual(1);
  });

  it('holds back a domain that deferred three times in a row, without connecting', async () => {
    for (let i = 0; i < 3; i++) {
      const m = await send([`u${i}@grey.test`]);
      expect(m.status).toBe('deferred');
      expect(m.recipients[0]).toMatchObject({ status: 'deferred', code: 451 });
    }
    const connections = peers.grey.connections;
    const held = await send(['u4@grey.test']);
    expect(held.status).toBe('deferred');
    expect(held.recipients[0].response).toMatch(/grey\.test deferred 3 attempts in a row: Mailroom holds back until/);
    expect(peers.grey.connections).toBe(connections);
  });

  it('keeps a per-domain limit of messages per minute: over it, the recipients wait', async () => {
    const srv = (await t.request({ method: 'GET', url: '/api/v1/servers' })).json().items.find((s: { name: string }) => s.name === 'direct');
    const res = await t.request({ method: 'PATCH', url: `/api/v1/servers/${srv.id}`, payload: { version: srv.version, smtp: { direct: { perDomainPerMinute: 1 } } } });
    expect(res.statusCode).toBe(200);
    expect((await send(['p1@c.test'])).status).toBe('sent');
    const over = await send(['p2@c.test', 'p3@b.test']);
    const by = Object.fromEntries(over.recipients.map((r: { address: string }) => [r.address, r]));
    expect(by['p2@c.test']).toMatchObject({ status: 'deferred' });
    expect(by['p2@c.test'].response).toMatch(/c\.test reached this server's limit of 1 message per minute/);
    expect(by['p3@b.test']).toMatchObject({ status: 'accepted' });
  });

  it('warns in the setup status while a sender domain of a direct server has no DKIM key', async () => {
    const gaps = async () => (await t.request({ method: 'GET', url: '/api/v1/setup/status' })).json().missing as { code: string; domains?: string[] }[];
    expect((await gaps()).find((g) => g.code === 'direct_without_dkim')).toMatchObject({ domains: ['sender.test'] });
    const key = await t.request({ method: 'PUT', url: '/api/v1/dkim/sender.test', payload: { selector: 'mr1', keyBits: 1024 } });
    expect(key.statusCode).toBeLessThan(300);
    expect((await gaps()).find((g) => g.code === 'direct_without_dkim')).toBeUndefined();
  });

  const directServer = async () => (await t.request({ method: 'GET', url: '/api/v1/servers' })).json().items.find((s: { name: string }) => s.name === 'direct');
  const patchDirect = async (direct: object) => {
    const srv = await directServer();
    return t.request({ method: 'PATCH', url: `/api/v1/servers/${srv.id}`, payload: { version: srv.version, smtp: { direct } } });
  };

  it('greets exchangers with the EHLO name the server gives, and refuses one that is not a qualified host name', async () => {
    // smtp.direct is replaced whole: this lifts the earlier test's limit of 1 message per minute.
    expect((await patchDirect({})).statusCode).toBe(200);
    const before = await send(['e1@b.test']);
    expect(before.status).toBe('sent');
    expect(peers.b.received.at(-1)?.ehlo).not.toBe('mail.sender.test');
    for (const bad of ['localhost', '192.0.2.1', 'mail_x.sender.test', 'bad\r\nname.test']) {
      const res = await patchDirect({ ehloName: bad });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: { code: 'MAILROOM_E_VALIDATION', details: { field: 'smtp.direct.ehloName' } } });
    }
    const ok = await patchDirect({ ehloName: 'Mail.Sender.test.' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().smtp.direct).toMatchObject({ ehloName: 'mail.sender.test', publicAddresses: [] });
    const m = await send(['e2@b.test']);
    expect(m.status).toBe('sent');
    expect(peers.b.received.at(-1)).toMatchObject({ to: ['e2@b.test'], ehlo: 'mail.sender.test' });
  });

  it('warns in the setup status when the SPF of a direct sender domain does not cover the public addresses given', async () => {
    const spfGap = async () => ((await t.request({ method: 'GET', url: '/api/v1/setup/status' })).json().missing as { code: string; domains?: string[]; addresses?: string[]; message: string; fix?: string }[]).find((g) => g.code === 'direct_spf_not_covering');
    zone('sender.test', { type: 'TXT', data: 'v=spf1 ip4:192.0.2.10 ~all' });
    // Without public addresses there is nothing to check SPF against: no claim either way.
    expect(await spfGap()).toBeUndefined();
    const bad = await patchDirect({ publicAddresses: ['192.0.2.10', 'not-an-ip'] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'MAILROOM_E_VALIDATION', details: { field: 'smtp.direct.publicAddresses[1]' } } });
    expect((await patchDirect({ publicAddresses: ['192.0.2.10', '2001:DB8::10'] })).statusCode).toBe(200);
    const other = await post('accounts', { serverId: (await directServer()).id, address: 'news@nospf.test' });
    let gap = await spfGap();
    expect(gap).toMatchObject({ domains: ['sender.test', 'nospf.test'], addresses: ['2001:db8::10', '192.0.2.10'] });
    expect(gap?.message).toContain('sender.test (2001:db8::10: softfail)');
    expect(gap?.message).toContain('nospf.test (192.0.2.10: none, 2001:db8::10: none)');
    expect(gap?.fix).toContain('add "ip6:2001:db8::10" to the SPF record of sender.test');
    expect(gap?.fix).toContain('publish a TXT record at nospf.test: "v=spf1 ip4:192.0.2.10 ip6:2001:db8::10 ~all"');
    // A switched-off account sends nothing: its domain is not reported.
    const acct = (await t.request({ method: 'GET', url: `/api/v1/accounts/${other.id}` })).json();
    expect((await t.request({ method: 'PATCH', url: `/api/v1/accounts/${other.id}`, payload: { version: acct.version, active: false } })).statusCode).toBe(200);
    gap = await spfGap();
    expect(gap).toMatchObject({ domains: ['sender.test'], addresses: ['2001:db8::10'] });
    // Covered through an include and an a: mechanism: the gap is gone.
    zone('sender.test', { type: 'TXT', data: 'v=spf1 a:out.sender.test include:_spf.sender.test -all' });
    zone('out.sender.test', { type: 'A', address: '192.0.2.10' });
    zone('_spf.sender.test', { type: 'TXT', data: 'v=spf1 ip6:2001:db8::/64 -all' });
    expect(await spfGap()).toBeUndefined();
    const spfCheck = async () => (await t.request({ method: 'GET', url: `/api/v1/domains/sender.test/check?accountId=${accountId}` })).json().spf;
    expect(await spfCheck()).toMatchObject({ status: 'pass', covers: true, serverHost: null, serverAddresses: ['192.0.2.10', '2001:db8::10'], results: { '192.0.2.10': 'pass', '2001:db8::10': 'pass' } });
    // A hard fail for one address is reported as such, in the banner and in the domain check.
    zone('_spf.sender.test', { type: 'TXT', data: 'v=spf1 ip6:2001:db8:1::/64 -all' });
    expect((await spfGap())?.message).toContain('sender.test (2001:db8::10: fail)');
    const failed = await spfCheck();
    expect(failed).toMatchObject({ status: 'fail', covers: false, results: { '192.0.2.10': 'pass', '2001:db8::10': 'fail' } });
    expect(failed.hint).toBe('Add "ip6:2001:db8::10" before the "all" of the record.');
    // Without public addresses the domain check says SPF cannot be checked against this machine.
    expect((await patchDirect({})).statusCode).toBe(200);
    expect(await spfCheck()).toMatchObject({ status: 'warn', covers: null, explanation: expect.stringContaining('without its public addresses (smtp.direct.publicAddresses) SPF cannot be checked') });
  });
});

/** The same engine on the main thread (AppOptions.smtpThread false: the bench compares both). */
describe('direct delivery with the SMTP pools on the main thread [sqlite]', () => {
  let t: TestApp;
  let dns: DnsServer;
  let exchanger: Peer;

  beforeAll(async () => {
    const port = await freePort();
    exchanger = await peer('127.0.0.2', port);
    dns = await startDnsServer();
    dns.zone.set('a.test', [{ type: 'MX', exchange: 'mx1.a.test', priority: 10 }, { type: 'MX', exchange: 'mx2.a.test', priority: 20 }]);
    dns.zone.set('mx1.a.test', [{ type: 'A', address: '127.0.0.9' }]);
    dns.zone.set('mx2.a.test', [{ type: 'A', address: '127.0.0.2' }]);
    dns.zone.set('meta.test', [{ type: 'MX', exchange: 'mx.meta.test', priority: 10 }]);
    dns.zone.set('mx.meta.test', [{ type: 'A', address: '169.254.169.254' }]);
    t = await startTestApp('sqlite', { smtpThread: false, env: { MAILROOM_DNS_SERVERS: `127.0.0.1:${dns.port}`, MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.2,127.0.0.9' } });
    const server = (await t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: 'direct', smtp: { mode: 'direct', port, connectTimeoutSec: 3 } } })).json();
    const account = (await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.id, address: 'a@sender.test' } })).json();
    const dispatcher = await t.app.startDelivery({ loop: false });
    await t.request({ method: 'POST', url: '/api/v1/messages', payload: { accountId: account.id, to: ['x@a.test', 'y@meta.test'], subject: 's', text: 't' } });
    await dispatcher.drain();
  });

  afterAll(async () => {
    await t?.close();
    await dns?.stop();
    await exchanger?.stop();
  });

  it('falls back to the next exchanger and refuses a metadata address, as in the thread', async () => {
    const [row] = (await t.request({ method: 'GET', url: '/api/v1/messages' })).json().items;
    const m = (await t.request({ method: 'GET', url: `/api/v1/messages/${row.id}` })).json();
    const by = Object.fromEntries(m.recipients.map((r: { address: string }) => [r.address, r]));
    expect(by['x@a.test']).toMatchObject({ status: 'accepted' });
    expect(by['y@meta.test']).toMatchObject({ status: 'rejected' });
    expect(exchanger.received.map((r) => r.to)).toEqual([['x@a.test']]);
    expect(m.attempts[0].routes.map((r: { domain: string; exchanger: string | null }) => [r.domain, r.exchanger])).toEqual([['a.test', 'mx2.a.test'], ['meta.test', null]]);
  });
});
