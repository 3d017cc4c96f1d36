import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/kernel/clock.js';
import type { Dispatcher } from '../../src/delivery/dispatcher.js';
import { imapClient } from '../../src/inbound/imap-client.js';
import { haveDovecot, startDovecot, startSmtpServer, tempDir, type Cert, type DovecotInstance, type SmtpPeer } from '../helpers/diagnostics-peers.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * `tlsTrust: { mode: "pinned", certificate }` where the PEM is the server's own certificate,
 * issued by a private CA (not self-signed). OpenSSL ends a chain only at a self-signed
 * certificate, so this pin used to fail with "unable to verify the first certificate" although
 * the server presented exactly the pinned certificate. The pinned certificate now ends the
 * chain itself, for delivery, the IMAP reader and the connection tests alike; a certificate that
 * is not the pinned one, an expired one, and the private CA under system trust are still
 * refused. Real peers: nodemailer's smtp-server (implicit TLS and STARTTLS) and Dovecot.
 */

interface Pki {
  dir: string;
  ca: Cert;
  /** Issued by the CA for mail.test.invalid: the server's own certificate. */
  leaf: Cert;
  /** Another certificate of the same CA, same name and key. */
  sibling: Cert;
  /** Issued by the CA, valid in January 2020 only. */
  expired: Cert;
}

const EXTENSIONS = 'subjectAltName=DNS:mail.test.invalid\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n';

function files(dir: string, name: string, keyFile: string): Cert {
  const certFile = path.join(dir, `${name}.pem`);
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), keyFile, certFile };
}

/** A private CA and certificates it issued, with openssl (as the other TLS tests make theirs). */
function makePki(): Pki {
  const dir = tempDir('mailroom-pinned-leaf-');
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Mailroom Test Private CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=mail.test.invalid');
  writeFileSync(path.join(dir, 'ext.cnf'), EXTENSIONS);
  for (const name of ['leaf', 'sibling']) run('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', 'ext.cnf');
  // `openssl x509` cannot back-date (OpenSSL 3.0): `openssl ca` takes explicit dates.
  mkdirSync(path.join(dir, 'db'));
  writeFileSync(path.join(dir, 'db', 'index.txt'), '');
  writeFileSync(path.join(dir, 'db', 'serial'), '1000\n');
  writeFileSync(path.join(dir, 'ca.cnf'), '[ca]\ndefault_ca = d\n[d]\ndatabase = db/index.txt\nserial = db/serial\nnew_certs_dir = db\ndefault_md = sha256\npolicy = p\nunique_subject = no\n[p]\ncommonName = supplied\n');
  run('ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.pem', '-keyfile', 'ca.key', '-in', 'leaf.csr', '-out', 'expired.pem', '-startdate', '20200101000000Z', '-enddate', '20200102000000Z', '-extfile', 'ext.cnf', '-notext');
  const key = path.join(dir, 'leaf.key');
  return { dir, ca: files(dir, 'ca', path.join(dir, 'ca.key')), leaf: files(dir, 'leaf', key), sibling: files(dir, 'sibling', key), expired: files(dir, 'expired', key) };
}

/** Made once for the file: the tests only pin these, each on servers of its own names. */
let pkiMade: Pki | undefined;
const pki = () => (pkiMade ??= makePki());
const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;

const peers: { stop(): Promise<void> }[] = [];
let dovecot: Promise<DovecotInstance> | undefined;
const IMAP_USER = 'reader@example.com';
const IMAP_PASSWORD = 'imap-pass-Wq3';
afterAll(async () => {
  for (const p of peers) await p.stop();
  await (await dovecot?.catch(() => undefined))?.stop();
  if (pkiMade) rmSync(pkiMade.dir, { recursive: true, force: true });
});

/** An SMTP peer presenting `cert` (issued by the private CA, not self-signed), implicit TLS or STARTTLS. */
async function smtpPeer(cert: Cert, security: 'tls' | 'starttls'): Promise<SmtpPeer> {
  const p = await startSmtpServer({ secure: security === 'tls', key: cert.key, cert: cert.cert });
  peers.push(p);
  return p;
}

await describeEachDialect('a pinned certificate issued by a private CA (not self-signed)', (dialect) => {
  let t: TestApp;
  let dispatcher: Dispatcher;
  const clock = new ManualClock(Date.now());

  const post = async (url: string, payload: object) => {
    const res = await t.request({ method: 'POST', url: `/api/v1/${url}`, payload });
    if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const server = (name: string, port: number, security: 'tls' | 'starttls', tlsTrust: object, extra: object = {}) =>
    post('servers', { name, smtp: { host: '127.0.0.1', port, security, tlsTrust, connectTimeoutSec: 3, sendTimeoutSec: 3 }, ...extra });
  /** Sends one message through a new server + account; answers the message as the log shows it after one attempt. */
  const sendThrough = async (name: string, port: number, security: 'tls' | 'starttls', tlsTrust: object) => {
    const s = await server(name, port, security, tlsTrust);
    const account = await post('accounts', { serverId: s.id, address: `${name}@example.com` });
    const { id } = await post('messages', { accountId: account.id, to: ['rcpt@example.net'], subject: 'pinned', text: 'x' });
    await dispatcher.drain();
    return (await t.request({ method: 'GET', url: `/api/v1/messages/${id}` })).json();
  };

  beforeAll(async () => {
    pki();
    if (haveDovecot()) dovecot ??= startDovecot(pki().leaf, { [IMAP_USER]: IMAP_PASSWORD });
    t = await startTestApp(dialect, { clock, env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    dispatcher = await t.app.startDelivery({ loop: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('sends over implicit TLS and STARTTLS to the server presenting exactly the pinned certificate', async () => {
    const { leaf } = pki();
    for (const security of ['tls', 'starttls'] as const) {
      const p = await smtpPeer(leaf, security);
      const m = await sendThrough(`leaf-${security}`, p.port, security, { mode: 'pinned', certificate: leaf.cert });
      expect(m.status, `${security}: ${m.lastError}`).toBe('sent');
      expect(p.messages).toHaveLength(1);
    }
  });

  it('still refuses another certificate of the same CA, an expired pinned certificate, and the private CA under system trust', async () => {
    const { leaf, sibling, expired } = pki();
    const other = await smtpPeer(sibling, 'tls');
    const notPinned = await sendThrough('sibling', other.port, 'tls', { mode: 'pinned', certificate: leaf.cert });
    expect(notPinned.status).toBe('deferred');
    // Refused at the chain already: the sibling does not end at the pinned certificate.
    expect(notPinned.lastError).toContain(`TLS certificate check failed (pinned SHA-256 ${fingerprint(leaf.cert)}): unable to get local issuer certificate`);

    const old = await smtpPeer(expired, 'tls');
    const stale = await sendThrough('expired', old.port, 'tls', { mode: 'pinned', certificate: expired.cert });
    expect(stale.status).toBe('deferred');
    expect(stale.lastError).toContain('certificate has expired');

    const plain = await smtpPeer(leaf, 'tls');
    const system = await sendThrough('system', plain.port, 'tls', { mode: 'system' });
    expect(system.status).toBe('deferred');
    expect(system.lastError).toContain('unable to verify the first certificate');
    expect(other.messages.length + old.messages.length + plain.messages.length).toBe(0);
  });

  it("a pinned CA certificate alone says to pin the server's own certificate; with the server's fingerprint it sends", async () => {
    const { ca, leaf } = pki();
    const p = await smtpPeer(leaf, 'starttls');
    const caOnly = await sendThrough('ca-only', p.port, 'starttls', { mode: 'pinned', certificate: ca.cert });
    expect(caOnly.status).toBe('deferred');
    expect(caOnly.lastError).toContain('the pinned certificate (CN=Mailroom Test Private CA) is the CA that issued it');
    expect(caOnly.lastError).toContain(`pin the server's own certificate (PEM), or keep the CA's and add the server's fingerprint ${fingerprint(leaf.cert)}`);
    const withFingerprint = await sendThrough('ca-and-fingerprint', p.port, 'starttls', { mode: 'pinned', certificate: ca.cert, fingerprint: fingerprint(leaf.cert) });
    expect(withFingerprint.status, withFingerprint.lastError).toBe('sent');
  });

  it('the connection test judges the pin as sending does', async () => {
    const { leaf, expired } = pki();
    const p = await smtpPeer(leaf, 'tls');
    const pinned = await server('diag-leaf', p.port, 'tls', { mode: 'pinned', certificate: leaf.cert });
    const res = await post('diagnostics/smtp', { serverId: pinned.id });
    const tls = res.steps.find((s: { name: string }) => s.name === 'tls');
    expect(tls, JSON.stringify(res.steps)).toMatchObject({ status: 'pass', certificate: { trusted: true, fingerprint256: fingerprint(leaf.cert), issuer: 'CN=Mailroom Test Private CA' } });

    const old = await smtpPeer(expired, 'tls');
    const stale = await server('diag-expired', old.port, 'tls', { mode: 'pinned', certificate: expired.cert });
    const refused = (await post('diagnostics/smtp', { serverId: stale.id })).steps.find((s: { name: string }) => s.name === 'tls');
    expect(refused).toMatchObject({ status: 'fail', certificate: { trusted: false, trustError: 'CERT_HAS_EXPIRED' } });
  });

  it('the IMAP reader and its connection test trust the pinned certificate the same way (Dovecot)', async (ctx) => {
    if (!dovecot) return ctx.skip();
    const { leaf, sibling } = pki();
    const d = await dovecot;
    const p = await smtpPeer(leaf, 'tls');
    const reading = async (name: string, certificate: string) => {
      const s = await server(name, p.port, 'tls', { mode: 'pinned', certificate }, { imap: { host: '127.0.0.1', port: d.imapsPort, security: 'tls' } });
      const account = await post('accounts', { serverId: s.id, address: `${name}@example.com`, login: IMAP_USER, password: IMAP_PASSWORD });
      const repos = t.app.ports.ctx.store.repos;
      return { server: (await repos.servers.get(s.id))!, account: (await repos.accounts.get(account.id))!, accountId: account.id as string };
    };

    const pinned = await reading('imap-leaf', leaf.cert);
    const client = await imapClient(pinned.server, pinned.account, IMAP_PASSWORD, { timeoutMs: 5_000, maxIdleMs: 60_000 });
    client.on('error', () => undefined);
    await client.connect();
    expect(client.authenticated).toBeTruthy();
    await client.logout();
    const diag = await post('diagnostics/imap', { accountId: pinned.accountId });
    expect(diag.steps.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual(['dns:pass', 'tcp:pass', 'tls:pass', 'login:pass', 'inbox:pass']);

    const wrong = await reading('imap-sibling', sibling.cert);
    const refused = await imapClient(wrong.server, wrong.account, IMAP_PASSWORD, { timeoutMs: 5_000, maxIdleMs: 60_000 });
    refused.on('error', () => undefined);
    await expect(refused.connect()).rejects.toThrow('unable to get local issuer certificate');
    expect(refused.authenticated).toBeFalsy();
  });
});
