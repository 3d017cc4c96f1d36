import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/kernel/clock.js';
import type { Dispatcher } from '../../src/delivery/dispatcher.js';
import { fingerprintOfPem } from '../../src/delivery/smtp/transport.js';
import { freePort, havePostfix, selfSignedCert, startPostfix, startSilentServer, tempDir, type Cert, type PostfixInstance } from '../helpers/diagnostics-peers.js';
import { describeEachDialect, type Dialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * nodemailer's smtp-server as the peer: per-recipient 4xx/5xx, STARTTLS withheld while
 * credentials are configured, implicit TLS with AUTH and a pinned self-signed certificate,
 * a pin mismatch, a server that never greets, and pool reuse.
 */
interface Peer {
  port: number;
  received: { to: string[]; raw: string }[];
  auths: string[];
  connections: number;
  stop(): Promise<void>;
}

async function peer(opts: Partial<SMTPServerOptions> = {}): Promise<Peer> {
  const p: Peer = { port: await freePort(), received: [], auths: [], connections: 0, stop: async () => undefined };
  const server = new SMTPServer({
    disableReverseLookup: true,
    logger: false,
    authOptional: true,
    onConnect(_s, cb) {
      p.connections++;
      cb();
    },
    onAuth(auth, _s, cb) {
      p.auths.push(auth.username ?? '');
      if (auth.password === 'right-password') return cb(null, { user: auth.username });
      return cb(Object.assign(new Error('5.7.8 authentication failed'), { responseCode: 535 }));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        p.received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString() });
        cb();
      });
    },
    ...opts,
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(p.port, '127.0.0.1', resolve));
  p.stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return p;
}

/**
 * Made once for the file, not once per describe and dialect: each RSA key costs ~1 s, each app
 * start (and each PostgreSQL database dropped at its close) a few, Postfix ~2-5 s. The tests only
 * pin these certificates, and each adds servers and accounts of its own names to its dialect's
 * app, so sharing them changes nothing a test looks at. All is closed once, after every test.
 */
let certsMade: { a: Cert; b: Cert; postfix: Cert } | undefined;
const certs = () => {
  if (!certsMade) {
    const dir = tempDir('mailroom-certs-');
    certsMade = { a: selfSignedCert(dir, 'a.mail.test'), b: selfSignedCert(dir, 'b.mail.test'), postfix: selfSignedCert(dir, 'mail.test.invalid') };
  }
  return certsMade;
};
interface DialectApp {
  t: TestApp;
  dispatcher: Dispatcher;
  clock: ManualClock;
}
const apps = new Map<Dialect, Promise<DialectApp>>();
const appFor = (dialect: Dialect) => {
  let made = apps.get(dialect);
  if (!made) {
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
    made = startTestApp(dialect, { clock }).then(async (t) => ({ t, clock, dispatcher: await t.app.startDelivery({ loop: false }) }));
    made.catch(() => undefined);
    apps.set(dialect, made);
  }
  return made;
};
let postfixStarted: Promise<PostfixInstance> | undefined;
/** One Postfix for both dialects, started (in the background) as soon as the first test file's app is. */
const postfixFor = () => {
  if (!postfixStarted) {
    postfixStarted = startPostfix(certs().postfix);
    postfixStarted.catch(() => undefined);
  }
  return postfixStarted;
};
const peers: { stop(): Promise<void> }[] = [];
afterAll(async () => {
  // The apps first: their pooled connections to the peers end with them.
  for (const made of apps.values()) await (await made.catch(() => undefined))?.t.close();
  for (const p of peers) await p.stop();
  await (await postfixStarted?.catch(() => undefined))?.stop();
});

await describeEachDialect('delivery over TLS, AUTH and timeouts (smtp-server)', (dialect) => {
  let t: TestApp;
  let dispatcher: Dispatcher;
  let certA: Cert;
  let certB: Cert;
  let clock: ManualClock;

  const post = async (url: string, payload: object) => {
    const res = await t.request({ method: 'POST', url: `/api/v1/${url}`, payload });
    if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  /** A server + account pair pointing at `port`; returns the account id. */
  const sender = async (name: string, smtp: Record<string, unknown>, account: Record<string, unknown> = {}) => {
    const server = await post('servers', { name, smtp: { host: '127.0.0.1', connectTimeoutSec: 3, sendTimeoutSec: 3, ...smtp } });
    return (await post('accounts', { serverId: server.id, address: `${name}@example.com`, ...account })).id as string;
  };
  const send = (accountId: string, extra: Record<string, unknown> = {}) => post('messages', { accountId, to: ['rcpt@example.net'], subject: 'TLS', text: 'x', ...extra });
  const get = async (id: string) => (await t.request({ method: 'GET', url: `/api/v1/messages/${id}` })).json();

  beforeAll(async () => {
    ({ a: certA, b: certB } = certs());
    if (havePostfix()) void postfixFor();
    ({ t, dispatcher, clock } = await appFor(dialect));
  });

  it('records a mixed per-recipient outcome and retries only the deferred recipient', async () => {
    let softOnce = true;
    const p = await peer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      onRcptTo(addr, _s, cb) {
        if (addr.address.startsWith('bad@')) return cb(Object.assign(new Error('5.1.1 no such user'), { responseCode: 550 }));
        if (addr.address.startsWith('later@') && softOnce) return cb(Object.assign(new Error('4.2.0 mailbox busy, try later'), { responseCode: 451 }));
        cb();
      },
    });
    peers.push(p);
    const acc = await sender('mixed', { port: p.port, security: 'none', requireTls: false });
    const { id } = await send(acc, { to: ['ok@example.net', 'bad@example.net', 'later@example.net'] });
    await dispatcher.drain();
    let m = await get(id);
    expect(m.status).toBe('deferred');
    const byAddr = Object.fromEntries(m.recipients.map((r: { address: string }) => [r.address, r]));
    expect(byAddr['ok@example.net']).toMatchObject({ status: 'accepted', code: 250 });
    expect(byAddr['bad@example.net']).toMatchObject({ status: 'rejected', code: 550, enhancedCode: '5.1.1' });
    expect(byAddr['later@example.net']).toMatchObject({ status: 'deferred', code: 451, enhancedCode: '4.2.0' });
    expect(m.attempts[0].outcome).toBe('partial');
    expect(p.received).toHaveLength(1);
    expect(p.received[0].to).toEqual(['ok@example.net']);
    softOnce = false;
    clock.advance(5_000);
    await dispatcher.drain();
    m = await get(id);
    expect(m.status).toBe('sent');
    // The second attempt went to the deferred recipient only: the 550 one is not retried.
    expect(p.received).toHaveLength(2);
    expect(p.received[1].to).toEqual(['later@example.net']);
  });

  it('never sends AUTH when STARTTLS is not offered and credentials are configured', async () => {
    const p = await peer({ hideSTARTTLS: true, authOptional: false });
    peers.push(p);
    const acc = await sender('nostarttls', { port: p.port, security: 'starttls', requireTls: false }, { password: 'right-password' });
    const { id } = await send(acc);
    await dispatcher.drain();
    const m = await get(id);
    expect(m.status).toBe('deferred');
    expect(m.lastError).toMatch(/STARTTLS|TLS/i);
    expect(p.auths).toEqual([]);
    expect(p.received).toHaveLength(0);
    expect(t.logLines.join('')).not.toContain('right-password');
  });

  it('sends over implicit TLS with AUTH to a pinned self-signed certificate', async () => {
    const p = await peer({ secure: true, key: certA.key, cert: certA.cert, authOptional: false });
    peers.push(p);
    const acc = await sender('pinned', { port: p.port, security: 'tls', tlsTrust: { mode: 'pinned', certificate: certA.cert } }, { password: 'right-password', login: 'app-user' });
    const { id } = await send(acc);
    await dispatcher.drain();
    const m = await get(id);
    expect(m.status).toBe('sent');
    expect(p.auths).toEqual(['app-user']);
    expect(p.received).toHaveLength(1);
  });

  it('defers with a clear error when the certificate is not the pinned one (certificate or fingerprint)', async () => {
    const p = await peer({ secure: true, key: certA.key, cert: certA.cert });
    peers.push(p);
    const byCert = await sender('mismatch-cert', { port: p.port, security: 'tls', tlsTrust: { mode: 'pinned', certificate: certB.cert } });
    const byFp = await sender('mismatch-fp', { port: p.port, security: 'tls', tlsTrust: { mode: 'pinned', fingerprint: fingerprintOfPem(certB.cert) } });
    const a = await send(byCert);
    const b = await send(byFp);
    await dispatcher.drain();
    for (const id of [a.id, b.id]) {
      const m = await get(id);
      expect(m.status).toBe('deferred');
      expect(m.lastError).toContain(`pinned SHA-256 ${fingerprintOfPem(certB.cert)}`);
    }
    expect(p.received).toHaveLength(0);
  });

  it('refuses a self-signed certificate under system trust, accepts it under "any" with a warning', async () => {
    const p = await peer({ secure: true, key: certA.key, cert: certA.cert });
    peers.push(p);
    const strict = await sender('strict', { port: p.port, security: 'tls' });
    const loose = await sender('loose', { port: p.port, security: 'tls', tlsTrust: { mode: 'any' } });
    const a = await send(strict);
    const b = await send(loose);
    await dispatcher.drain();
    expect((await get(a.id)).status).toBe('deferred');
    expect((await get(a.id)).lastError).toMatch(/certificate/i);
    expect((await get(b.id)).status).toBe('sent');
    expect(t.logLines.join('')).toContain('trusts ANY TLS certificate');
  });

  it('ends an attempt at the connect timeout when the server never greets, and moves on', async () => {
    const silent = await startSilentServer();
    peers.push(silent);
    const ok = await peer({ disabledCommands: ['STARTTLS', 'AUTH'] });
    peers.push(ok);
    const mute = await sender('mute', { port: silent.port, security: 'none', requireTls: false, connectTimeoutSec: 1 });
    const fine = await sender('fine', { port: ok.port, security: 'none', requireTls: false });
    const a = await send(mute);
    const b = await send(fine);
    await dispatcher.drain();
    const m = await get(a.id);
    expect(m.status).toBe('deferred');
    expect(m.attempts[0].response).toMatch(/timed out|timeout/i);
    expect(m.attempts[0].durationMs).toBeGreaterThanOrEqual(900);
    expect((await get(b.id)).status).toBe('sent');
  });

  it('reuses one pooled connection per account and rebuilds the pool when the account changes', async () => {
    const p = await peer({ disabledCommands: ['STARTTLS', 'AUTH'] });
    peers.push(p);
    const acc = await sender('pooled', { port: p.port, security: 'none', requireTls: false, maxConnections: 1 });
    for (let i = 0; i < 5; i++) await send(acc, { subject: `pooled ${i}` });
    await dispatcher.drain();
    expect(p.received).toHaveLength(5);
    expect(p.connections).toBe(1);
    const account = (await t.request({ method: 'GET', url: `/api/v1/accounts/${acc}` })).json();
    const patched = await t.request({ method: 'PATCH', url: `/api/v1/accounts/${acc}`, payload: { fromName: 'Renamed', version: account.version } });
    expect(patched.statusCode).toBe(200);
    await send(acc, { subject: 'after change' });
    await dispatcher.drain();
    expect(p.received).toHaveLength(6);
    expect(p.connections).toBe(2);
    expect(p.received[5].raw).toContain('From: Renamed <pooled@example.com>');
  });
});

await describeEachDialect('delivery with STARTTLS to a private Postfix smtpd', (dialect) => {
  if (!havePostfix()) {
    if (process.env.CI === 'true') throw new Error('CI=true but Postfix is not installed (or not root)');
    console.warn('[mailroom tests] Postfix not available: the STARTTLS-to-Postfix delivery test is SKIPPED');
    return;
  }
  let t: TestApp;
  let dispatcher: Dispatcher;
  let postfix: PostfixInstance;
  let cert: Cert;
  beforeAll(async () => {
    cert = certs().postfix;
    // This dialect's app of the describe above (its manual clock is not looked at here), with its dispatcher.
    [postfix, { t, dispatcher }] = await Promise.all([postfixFor(), appFor(dialect)]);
  });

  it('upgrades with STARTTLS (certificate pinned) and Postfix accepts the message', async () => {
    const server = (await t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: 'postfix', smtp: { host: '127.0.0.1', port: postfix.port, security: 'starttls', requireTls: true, tlsTrust: { mode: 'pinned', certificate: cert.cert } } } })).json();
    const account = (await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.id, address: 'app@example.com' } })).json();
    const res = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { accountId: account.id, to: ['someone@example.net'], subject: 'via postfix', text: 'hello' } });
    expect(res.statusCode).toBe(202);
    await dispatcher.drain();
    const m = (await t.request({ method: 'GET', url: `/api/v1/messages/${res.json().id}` })).json();
    expect(m.status).toBe('sent');
    expect(m.attempts[0].response).toMatch(/^250 /);
    // requireTls is on: without a completed STARTTLS (and the pin matching) nodemailer would not have sent at all.
  });
});
