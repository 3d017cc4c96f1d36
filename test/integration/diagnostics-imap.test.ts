import { X509Certificate } from 'node:crypto';
import { rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImapDiagnosticTarget } from '../../src/core/probes/diagnostics.js';
import { compileNetworkPolicy } from '../../src/core/probes/network-policy.js';
import { runImapDiagnostic } from '../../src/probes/imap-runner.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { imapCommandProxy } from '../helpers/imap-command-proxy.js';
import { closedPort, haveDovecot, selfSignedCert, startDovecot, tempDir, type Cert, type DovecotInstance } from '../helpers/diagnostics-peers.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const PASSWORD = 'Imap-Secret-Password-3';
const loopback = compileNetworkPolicy(['127.0.0.1']);
const missing = !haveDovecot();
if (missing && process.env.CI === 'true') throw new Error('CI=true but Dovecot (run as root) is not available');
if (missing) console.warn('[mailroom tests] Dovecot is not available (or not root): the IMAP diagnostics tests are SKIPPED');

let dir: string;
let cert: Cert;
let dovecot: DovecotInstance;
let pinned: ImapDiagnosticTarget['tlsTrust'];
beforeAll(async () => {
  if (missing) return;
  dir = tempDir('mailroom-imap-diag-');
  cert = selfSignedCert(dir, 'imap.test.invalid');
  // A self-signed certificate is pinned by its PEM: a fingerprint alone needs a chain to a system CA.
  pinned = { mode: 'pinned', certificate: cert.cert };
  dovecot = await startDovecot(cert, { 'app@example.com': PASSWORD });
}, 30_000);
afterAll(async () => {
  await dovecot?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const names = (r: { steps: { name: string; status: string }[] }) => r.steps.map((s) => `${s.name}:${s.status}`);

describe.skipIf(missing)('IMAP diagnostics against Dovecot', () => {
  it('connects with implicit TLS, logs in and opens INBOX', async () => {
    const r = await runImapDiagnostic({ imap: { host: '127.0.0.1', port: dovecot.imapsPort, security: 'tls' }, tlsTrust: pinned, timeoutSec: 5, auth: { user: 'app@example.com', password: PASSWORD } }, loopback);
    expect(names(r)).toEqual(['dns:pass', 'tcp:pass', 'tls:pass', 'login:pass', 'inbox:pass']);
    expect(r.steps[2].certificate?.subject).toBe('CN=imap.test.invalid');
    expect(r.steps[4].detail).toContain('0 messages');
    expect(JSON.stringify(r)).not.toContain(PASSWORD);
  });

  // As the reader does (inbound/imap-client.ts): a password may cross an unencrypted connection
  // to this machine only, so a local Dovecot without TLS is tested with a login, not failed.
  it('logs in without TLS to a server on this machine (security "none"), as the reader will', async () => {
    const r = await runImapDiagnostic({ imap: { host: '127.0.0.1', port: dovecot.imapPort, security: 'none' }, tlsTrust: pinned, timeoutSec: 5, auth: { user: 'app@example.com', password: PASSWORD } }, loopback);
    expect(names(r)).toEqual(['dns:pass', 'tcp:pass', 'tls:skip', 'login:pass', 'inbox:pass']);
    expect(r.steps[2].detail).toContain('not encrypted');
    expect(JSON.stringify(r)).not.toContain(PASSWORD);
  });

  it('says a connection dropped at the login as dropped, not as a refused login', async () => {
    // Dovecot behind a proxy that passes the login on (imapflow uses AUTHENTICATE PLAIN where offered) and cuts the connection before its answer.
    const proxy = await imapCommandProxy(dovecot.imapPort, (line) => (/^\S+ (LOGIN|AUTHENTICATE) /i.test(line) ? { cut: 'end' } : undefined));
    try {
      const r = await runImapDiagnostic({ imap: { host: '127.0.0.1', port: proxy.port, security: 'none' }, tlsTrust: pinned, timeoutSec: 5, auth: { user: 'app@example.com', password: PASSWORD } }, loopback);
      expect(names(r)).toEqual(['dns:pass', 'tcp:pass', 'tls:skip', 'login:fail', 'inbox:skip']);
      expect(r.steps[3].detail).toBe('not completed: the IMAP connection was closed while the test was connecting and logging in');
      expect(r.steps[3].detail).not.toContain('refused');
      expect(JSON.stringify(r)).not.toContain(PASSWORD);
    } finally {
      await proxy.close();
    }
  });

  it('upgrades with STARTTLS and explains a wrong password', async () => {
    const r = await runImapDiagnostic({ imap: { host: '127.0.0.1', port: dovecot.imapPort, security: 'starttls' }, tlsTrust: pinned, timeoutSec: 5, auth: { user: 'app@example.com', password: 'wrong-one' } }, loopback);
    expect(names(r)).toEqual(['dns:pass', 'tcp:pass', 'tls:pass', 'login:fail', 'inbox:skip']);
    expect(r.steps[2].reply).toContain('C: a1 STARTTLS');
    expect(r.steps[3].hint).toContain('user name or password is wrong');
  });

  it('judges a pinned fingerprint as the IMAP reader does: a self-signed certificate needs its PEM pinned', async () => {
    const fingerprint = new X509Certificate(cert.cert).fingerprint256;
    const r = await runImapDiagnostic({ imap: { host: '127.0.0.1', port: dovecot.imapsPort, security: 'tls' }, tlsTrust: { mode: 'pinned', fingerprint }, timeoutSec: 5, auth: { user: 'app@example.com', password: PASSWORD } }, loopback);
    expect(names(r).slice(0, 3)).toEqual(['dns:pass', 'tcp:pass', 'tls:fail']);
    expect(r.steps[2].certificate).toMatchObject({ trusted: false, trustError: 'DEPTH_ZERO_SELF_SIGNED_CERT', fingerprint256: fingerprint });
    expect(r.steps[2].hint).toContain('fingerprint alone');
    // The IMAP reader's own TLS settings refuse the same server.
    const { tlsOptions } = await import('../../src/delivery/smtp/transport.js');
    const { connect } = await import('node:tls');
    const refused = await new Promise<string>((resolve) => {
      const s = connect({ ...tlsOptions({ host: '127.0.0.1', tlsTrust: { mode: 'pinned', fingerprint } } as never), host: '127.0.0.1', port: dovecot.imapsPort });
      s.once('secureConnect', () => (s.destroy(), resolve('connected')));
      s.once('error', (e) => resolve(e.message));
    });
    expect(refused).toContain('self-signed');
  });

  it('refuses a second connection whose certificate is not the one the TLS step showed, whatever the trust, before the password is sent', async () => {
    // The first connection (the TLS step) reaches Dovecot; every later one meets another
    // self-signed certificate in front of the same Dovecot: someone in the middle.
    const other = selfSignedCert(dir, 'intercept.test.invalid');
    const sneak = await switchingProxy(dovecot, other);
    try {
      for (const tlsTrust of [{ mode: 'any' as const }, pinned]) {
        sneak.reset();
        const r = await runImapDiagnostic({ imap: { host: '127.0.0.1', port: sneak.port, security: 'tls' }, tlsTrust, timeoutSec: 5, auth: { user: 'app@example.com', password: PASSWORD } }, loopback);
        expect([tlsTrust.mode, ...names(r)]).toEqual([tlsTrust.mode, 'dns:pass', 'tcp:pass', 'tls:pass', 'login:fail', 'inbox:skip']);
        expect(r.steps[3].detail).toContain('certificate changed between connections');
        expect(r.steps[3].detail).toContain(new X509Certificate(other.cert).fingerprint256);
        expect(sneak.seen()).not.toContain(PASSWORD);
      }
    } finally {
      await sneak.close();
    }
  });

  it('refuses the self-signed certificate under system trust, and reports a closed port', async () => {
    const r = await runImapDiagnostic({ imap: { host: '127.0.0.1', port: dovecot.imapsPort, security: 'tls' }, tlsTrust: { mode: 'system' }, timeoutSec: 5 }, loopback);
    expect(names(r).slice(0, 3)).toEqual(['dns:pass', 'tcp:pass', 'tls:fail']);
    expect(r.steps[2].hint).toContain('self-signed');
    const closed = await runImapDiagnostic({ imap: { host: '127.0.0.1', port: await closedPort(), security: 'tls' }, tlsTrust: pinned, timeoutSec: 2 }, loopback);
    expect(names(closed).slice(0, 2)).toEqual(['dns:pass', 'tcp:fail']);
    // The advice names IMAP's ports, not SMTP's submission ports.
    expect(closed.steps[1].hint).toContain('993 (implicit TLS) and 143 (STARTTLS)');
    expect(closed.steps[1].hint).not.toContain('587');
  });
});

await describeEachDialect('IMAP diagnostics API', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
  });
  afterAll(async () => t?.close());

  it.skipIf(missing)('tests a saved account over IMAP with its stored password', async () => {
    const server = await t.request({
      method: 'POST',
      url: '/api/v1/servers',
      payload: { name: 'dove', smtp: { host: '127.0.0.1', port: 25, security: 'starttls', tlsTrust: pinned, connectTimeoutSec: 5 }, imap: { host: '127.0.0.1', port: dovecot.imapsPort, security: 'tls' } },
    });
    expect(server.statusCode).toBe(201);
    const account = (await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.json().id, address: 'app@example.com', password: PASSWORD } })).json();
    const res = await t.request({ method: 'POST', url: '/api/v1/diagnostics/imap', payload: { accountId: account.id } });
    expect(res.statusCode).toBe(200);
    expect(res.json().ok).toBe(true);
    expect(names(res.json())).toEqual(['dns:pass', 'tcp:pass', 'tls:pass', 'login:pass', 'inbox:pass']);
    expect(res.body).not.toContain(PASSWORD);
    const moved = await t.request({ method: 'POST', url: '/api/v1/diagnostics/imap', payload: { accountId: account.id, imap: { port: dovecot.imapPort, security: 'starttls' } } });
    expect(moved.json().steps.find((s: { name: string }) => s.name === 'login')).toMatchObject({ status: 'skip' });
  });

  it.skipIf(missing)('opens every folder the account reads and its move target, naming the one that does not exist', async () => {
    const server = await t.request({
      method: 'POST',
      url: '/api/v1/servers',
      payload: { name: 'dove folders', smtp: { host: '127.0.0.1', port: 25, security: 'starttls', tlsTrust: pinned, connectTimeoutSec: 5 }, imap: { host: '127.0.0.1', port: dovecot.imapsPort, security: 'tls' } },
    });
    const created = await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.json().id, address: 'app@example.com', password: PASSWORD, inbound: { enabled: true, folders: ['INBOX', 'Bounces'] } } });
    expect(created.statusCode).toBe(201);
    const account = created.json();
    const res = (await t.request({ method: 'POST', url: '/api/v1/diagnostics/imap', payload: { accountId: account.id } })).json();
    expect(res.ok).toBe(false);
    expect(names(res)).toEqual(['dns:pass', 'tcp:pass', 'tls:pass', 'login:pass', 'inbox:fail']);
    expect(res.steps[4].detail).toContain('"Bounces"');
    expect(res.steps[4].hint).toContain('folders to read');
    // Reading INBOX only, moving what it stored to a folder that is not there.
    const moved = await t.request({ method: 'PATCH', url: `/api/v1/accounts/${account.id}`, payload: { version: account.version, inbound: { folders: ['INBOX'], afterProcessing: 'move', moveTo: 'Processed' } } });
    expect(moved.statusCode).toBe(200);
    const again = (await t.request({ method: 'POST', url: '/api/v1/diagnostics/imap', payload: { accountId: account.id } })).json();
    expect(names(again)).toEqual(['dns:pass', 'tcp:pass', 'tls:pass', 'login:pass', 'inbox:fail']);
    expect(again.steps[4].detail).toContain('"Processed"');
    expect(again.steps[4].hint).toContain('move');
  });

  it.skipIf(missing)('fails the login step when the account\'s password reference cannot be read', async () => {
    const server = await t.request({
      method: 'POST',
      url: '/api/v1/servers',
      payload: { name: 'dove unset', smtp: { host: '127.0.0.1', port: 25, security: 'starttls', tlsTrust: pinned, connectTimeoutSec: 5 }, imap: { host: '127.0.0.1', port: dovecot.imapsPort, security: 'tls' } },
    });
    const account = (await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.json().id, address: 'app@example.com', passwordRef: 'env:MAILROOM_TEST_IMAP_DIAG_UNSET' } })).json();
    const res = (await t.request({ method: 'POST', url: '/api/v1/diagnostics/imap', payload: { accountId: account.id } })).json();
    expect(res.ok).toBe(false);
    expect(names(res)).toEqual(['dns:pass', 'tcp:pass', 'tls:pass', 'login:fail', 'inbox:skip']);
    expect(res.steps[3].detail).toContain('MAILROOM_TEST_IMAP_DIAG_UNSET is not set');
  });
});

/**
 * In front of Dovecot: the first connection goes through to its IMAPS port untouched; every
 * later one is answered with TLS under `cert` (and passed on, decrypted, to Dovecot's own port),
 * recording what the client sent there.
 */
async function switchingProxy(dovecot: DovecotInstance, cert: Cert): Promise<{ port: number; seen(): string; reset(): void; close(): Promise<void> }> {
  let connections = 0;
  let seen = '';
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.on('error', () => undefined);
    const first = connections++ === 0;
    const upstream = connect(first ? dovecot.imapsPort : dovecot.imapPort, '127.0.0.1');
    sockets.add(upstream);
    upstream.on('error', () => undefined);
    const inner = first ? client : new TLSSocket(client, { isServer: true, key: cert.key, cert: cert.cert });
    inner.on('error', () => undefined);
    if (!first) inner.on('data', (d: Buffer) => (seen += d.toString('latin1')));
    inner.pipe(upstream);
    upstream.pipe(inner);
    inner.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen: () => seen,
    reset: () => {
      connections = 0;
      seen = '';
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
