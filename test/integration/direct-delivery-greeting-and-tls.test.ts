import net from 'node:net';
import tls from 'node:tls';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Dispatcher } from '../../src/delivery/dispatcher.js';
import { freePort, selfSignedCert, tempDir } from '../helpers/diagnostics-peers.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startDnsServer, type DnsServer, type ZoneRecord } from '../helpers/dns-server.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Direct delivery against exchangers that misbehave where smtp-server cannot be made to: one
 * that greets with 554 (it will not serve: the next exchanger is tried, RFC 5321 §3.1), and
 * two whose STARTTLS handshake fails after "220 go ahead" (a handshake_failure alert; TLS 1.0
 * only). Under opportunistic TLS (RFC 7435) the message goes on a new connection without TLS;
 * under required TLS it waits. And a domain with neither MX nor A/AAAA fails for good.
 */
interface Exchanger {
  received: { to: string[]; raw: string }[];
  connections: number;
  starttls: number;
  stop(): Promise<void>;
}

/** A TLS 1.0 alert record: fatal (2), handshake_failure (40). */
const HANDSHAKE_FAILURE_ALERT = Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28]);

async function scriptedExchanger(address: string, port: number, opts: { greeting?: string; starttls?: 'alert' | 'tls10'; tls10?: tls.SecureContext } = {}): Promise<Exchanger> {
  const sockets = new Set<net.Socket>();
  const x: Exchanger = { received: [], connections: 0, starttls: 0, stop: async () => undefined };
  const server = net.createServer((socket) => {
    x.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const write = (text: string) => void (!socket.destroyed && socket.write(text));
    let buffer = '';
    let to: string[] = [];
    let body: string[] | null = null;
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      let i: number;
      while ((i = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (body && line !== '.') {
          body.push(line.startsWith('..') ? line.slice(1) : line);
          continue;
        }
        if (body) {
          x.received.push({ to, raw: body.join('\r\n') });
          body = null;
          to = [];
          write('250 2.0.0 Ok: queued\r\n');
          continue;
        }
        const verb = line.split(/[ :]/)[0].toUpperCase();
        if (verb === 'EHLO') write(`250-mx.test\r\n250-8BITMIME\r\n${opts.starttls ? '250-STARTTLS\r\n' : ''}250 SIZE 10240000\r\n`);
        else if (verb === 'HELO') write('250 mx.test\r\n');
        else if (verb === 'MAIL') write('250 2.1.0 Ok\r\n');
        else if (verb === 'RCPT') {
          to.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
          write('250 2.1.5 Ok\r\n');
        } else if (verb === 'DATA') {
          body = [];
          write('354 End data with <CR><LF>.<CR><LF>\r\n');
        } else if (verb === 'RSET' || verb === 'NOOP') write('250 2.0.0 Ok\r\n');
        else if (verb === 'QUIT') {
          write('221 2.0.0 Bye\r\n');
          socket.end();
        } else if (verb === 'STARTTLS' && opts.starttls) {
          x.starttls++;
          write('220 2.0.0 go ahead\r\n');
          socket.off('data', onData);
          if (opts.starttls === 'alert') socket.once('data', () => socket.end(HANDSHAKE_FAILURE_ALERT));
          else {
            const secured = new tls.TLSSocket(socket, { isServer: true, secureContext: opts.tls10 });
            secured.on('error', () => socket.destroy());
          }
          return;
        } else write('502 5.5.2 command not recognized\r\n');
      }
    };
    socket.on('data', onData);
    write(opts.greeting ?? '220 mx.test ESMTP scripted\r\n');
  });
  await new Promise<void>((resolve) => server.listen(port, address, resolve));
  x.stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return x;
}

const ALLOWED = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];

await describeEachDialect('direct delivery: a 5xx greeting, a failed STARTTLS handshake, a domain without exchangers', (dialect) => {
  let t: TestApp;
  let dns: DnsServer;
  let dispatcher: Dispatcher;
  let accountId: string;
  let serverId: string;
  let port: number;
  const x: Record<string, Exchanger> = {};
  let backup: SMTPServer;
  const backupReceived: string[][] = [];

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
    port = await freePort();
    const cert = selfSignedCert(tempDir('mailroom-direct-tls10-'), 'mx.tls10.test');
    const tls10 = tls.createSecureContext({ key: cert.key, cert: cert.cert, minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' });
    x.refusing = await scriptedExchanger('127.0.0.2', port, { greeting: '554 5.7.1 not accepting mail right now\r\n' });
    x.alert = await scriptedExchanger('127.0.0.4', port, { starttls: 'alert' });
    x.tls10 = await scriptedExchanger('127.0.0.5', port, { starttls: 'tls10', tls10 });
    backup = new SMTPServer({
      disableReverseLookup: true,
      logger: false,
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, cb) {
        stream.on('data', () => undefined);
        stream.on('end', () => {
          backupReceived.push(session.envelope.rcptTo.map((r) => r.address));
          cb();
        });
      },
    });
    backup.on('error', () => undefined);
    await new Promise<void>((resolve) => backup.listen(port, '127.0.0.3', resolve));

    dns = await startDnsServer();
    // greet.test: the preferred exchanger greets 554 (it will not serve), the backup accepts.
    zone('greet.test', { type: 'MX', exchange: 'mx1.greet.test', priority: 10 }, { type: 'MX', exchange: 'mx2.greet.test', priority: 20 });
    zone('mx1.greet.test', { type: 'A', address: '127.0.0.2' });
    zone('mx2.greet.test', { type: 'A', address: '127.0.0.3' });
    // refuse.test: its only exchanger greets 554.
    zone('refuse.test', { type: 'MX', exchange: 'mx1.greet.test', priority: 10 });
    zone('alert.test', { type: 'MX', exchange: 'mx.alert.test', priority: 10 });
    zone('alertreq.test', { type: 'MX', exchange: 'mx.alert.test', priority: 10 });
    zone('mx.alert.test', { type: 'A', address: '127.0.0.4' });
    zone('tls10.test', { type: 'MX', exchange: 'mx.tls10.test', priority: 10 });
    zone('mx.tls10.test', { type: 'A', address: '127.0.0.5' });
    // nodata.test exists (it has a TXT record) but has no MX and no A/AAAA: NODATA for both.
    zone('nodata.test', { type: 'TXT', data: 'v=spf1 -all' });

    t = await startTestApp(dialect, { env: { MAILROOM_DNS_SERVERS: `127.0.0.1:${dns.port}`, MAILROOM_ALLOW_PRIVATE_HOSTS: ALLOWED.join(',') } });
    dispatcher = await t.app.startDelivery({ loop: false });
    const server = await post('servers', { name: 'direct', smtp: { mode: 'direct', port, connectTimeoutSec: 3, sendTimeoutSec: 5 } });
    serverId = server.id;
    accountId = (await post('accounts', { serverId, address: 'alerts@sender.test' })).id;
  });

  afterAll(async () => {
    await t?.close();
    await dns?.stop();
    for (const e of Object.values(x)) await e.stop();
    await new Promise<void>((resolve) => (backup ? backup.close(() => resolve()) : resolve()));
  });

  it('passes over an exchanger that greets 554 and delivers to the backup MX', async () => {
    const m = await send(['rcpt@greet.test']);
    expect(m.status).toBe('sent');
    expect(backupReceived.at(-1)).toEqual(['rcpt@greet.test']);
    const [route] = m.attempts[0].routes;
    expect(route).toMatchObject({ domain: 'greet.test', exchanger: 'mx2.greet.test', address: '127.0.0.3' });
    expect(route.skipped[0]).toMatch(/^mx1\.greet\.test \(127\.0\.0\.2\): .*554 5\.7\.1 not accepting mail right now/);
  });

  it('defers, not fails, when every exchanger greets 5xx', async () => {
    const m = await send(['rcpt@refuse.test']);
    expect(m.status).toBe('deferred');
    expect(m.recipients[0]).toMatchObject({ status: 'deferred' });
    expect(m.recipients[0].response).toMatch(/554 5\.7\.1 not accepting mail right now/);
  });

  it('opportunistic TLS: a handshake_failure alert after "220 go ahead" is retried at once without TLS, and recorded', async () => {
    const m = await send(['rcpt@alert.test']);
    expect(m.status).toBe('sent');
    expect(x.alert.starttls).toBeGreaterThanOrEqual(1);
    expect(x.alert.received.map((r) => r.to)).toEqual([['rcpt@alert.test']]);
    const [route] = m.attempts[0].routes;
    expect(route).toMatchObject({ exchanger: 'mx.alert.test', address: '127.0.0.4', tls: null, tlsPolicy: 'opportunistic' });
    const said = route.skipped.join('\n');
    expect(said).toMatch(/^mx\.alert\.test \(127\.0\.0\.4\).*STARTTLS.*handshake_failure.*without TLS/m);
    // OpenSSL's own text ("C0A6…:error:0A000410:SSL routines:…") is not what anyone reads.
    expect(JSON.stringify(m)).not.toMatch(/SSL routines|:error:[0-9A-F]{8}:/);
    const line = t.logLines.find((l) => l.includes('direct delivery transaction') && l.includes(m.id));
    expect(JSON.parse(line as string).tls).toMatch(/^none \(STARTTLS handshake failed/);
  });

  it('opportunistic TLS: an exchanger that speaks only TLS 1.0 gets the message without TLS', async () => {
    const m = await send(['rcpt@tls10.test']);
    expect(m.status).toBe('sent');
    expect(x.tls10.received.map((r) => r.to)).toEqual([['rcpt@tls10.test']]);
    const [route] = m.attempts[0].routes;
    expect(route).toMatchObject({ exchanger: 'mx.tls10.test', tls: null });
    expect(route.skipped.join('\n')).toMatch(/protocol_version.*without TLS/);
    expect(JSON.stringify(m)).not.toMatch(/SSL routines|:error:[0-9A-F]{8}:/);
  });

  it('fails a domain that has neither MX nor A/AAAA records (NODATA), with a clear reason', async () => {
    const m = await send(['rcpt@nodata.test']);
    expect(m.status).toBe('failed');
    expect(m.recipients[0]).toMatchObject({ status: 'rejected' });
    expect(m.recipients[0].response).toMatch(/nodata\.test has no MX record and no A or AAAA record/);
  });

  it('required TLS: a failed handshake defers (never in clear), in readable words', async () => {
    const srv = (await t.request({ method: 'GET', url: `/api/v1/servers/${serverId}` })).json();
    const res = await t.request({ method: 'PATCH', url: `/api/v1/servers/${serverId}`, payload: { version: srv.version, smtp: { direct: { requireTlsDomains: ['alertreq.test'] } } } });
    expect(res.statusCode).toBe(200);
    const before = x.alert.received.length;
    const m = await send(['rcpt@alertreq.test']);
    expect(m.status).toBe('deferred');
    expect(x.alert.received).toHaveLength(before);
    expect(m.attempts[0].routes[0]).toMatchObject({ tlsPolicy: 'required', exchanger: null });
    expect(m.recipients[0].response).toMatch(/TLS is required for this domain .*handshake_failure/);
    expect(JSON.stringify(m)).not.toMatch(/SSL routines|:error:[0-9A-F]{8}:/);
  });
});
