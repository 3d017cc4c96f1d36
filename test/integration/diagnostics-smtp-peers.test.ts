import { X509Certificate } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileNetworkPolicy } from '../../src/core/probes/network-policy.js';
import { runSmtpDiagnostic } from '../../src/probes/smtp-runner.js';
import { loopbackSmtp, runOnLoopback, stepNamed } from '../helpers/diagnostic-runs.js';
import {
  closedPort,
  havePostfix,
  selfSignedCert,
  startPostfix,
  startSilentServer,
  startSmtpServer,
  tempDir,
  type Cert,
  type PostfixInstance,
  type SmtpPeer,
} from '../helpers/diagnostics-peers.js';

const PASSWORD = 'Very-Secret-Password-42';

const smtp = loopbackSmtp;
const step = stepNamed;
const run = runOnLoopback;

let dir: string;
let cert: Cert;
beforeAll(() => {
  dir = tempDir('mailroom-diag-');
  cert = selfSignedCert(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const postfixMissing = !havePostfix();
if (postfixMissing && process.env.CI === 'true') throw new Error('CI=true but Postfix (run as root) is not available');
if (postfixMissing) console.warn('[mailroom tests] Postfix is not available (or not root): the Postfix diagnostics tests are SKIPPED');

describe.skipIf(postfixMissing)('diagnostics against Postfix smtpd (STARTTLS, self-signed)', () => {
  let pf: PostfixInstance;
  beforeAll(async () => {
    pf = await startPostfix(cert);
  }, 30_000);
  afterAll(async () => pf?.stop());

  it('shows the self-signed certificate and refuses it under system trust', async () => {
    const r = await run({ smtp: smtp(pf.port) });
    expect(r.ok).toBe(false);
    expect(r.steps.map((s) => [s.name, s.status])).toEqual([
      ['dns', 'pass'],
      ['tcp', 'pass'],
      ['ehlo', 'pass'],
      ['starttls', 'pass'],
      ['tls', 'fail'],
      ['auth', 'skip'],
      ['send', 'skip'],
    ]);
    expect(step(r, 'ehlo').capabilities).toMatchObject({ starttls: true, pipelining: true, eightBitMime: true, smtpUtf8: true, size: 10240000 });
    expect(step(r, 'ehlo').reply).toMatch(/^S: 220 mail\.test\.invalid ESMTP/);
    expect(step(r, 'starttls').reply).toContain('S: 220 2.0.0 Ready to start TLS');
    const tls = step(r, 'tls');
    const fp = new X509Certificate(cert.cert).fingerprint256;
    expect(tls.certificate).toMatchObject({ subject: 'CN=mail.test.invalid', issuer: 'CN=mail.test.invalid', fingerprint256: fp, trusted: false, trustError: 'DEPTH_ZERO_SELF_SIGNED_CERT', trustMode: 'system' });
    expect(tls.hint).toContain('self-signed');
    // Delivery needs the self-signed certificate itself pinned (a fingerprint alone is refused there).
    expect(tls.hint).toContain('"certificate"');
    expect(step(r, 'auth').detail).toBe('not run: TLS handshake failed');
  });

  it('passes every step with the certificate pinned, and sends a real message', async () => {
    const r = await run({ smtp: smtp(pf.port, { tlsTrust: { mode: 'pinned', certificate: cert.cert } }), send: { from: 'app@example.com', to: 'someone@example.net' } });
    expect(r.steps.filter((s) => s.status === 'fail')).toEqual([]);
    expect(r.ok).toBe(true);
    expect(step(r, 'tls').certificate?.trusted).toBe(true);
    expect(step(r, 'tls').capabilities?.starttls).toBe(false); // not offered again after TLS
    expect(step(r, 'auth')).toMatchObject({ status: 'skip', detail: 'no credentials given' });
    const send = step(r, 'send');
    expect(send.status).toBe('pass');
    expect(send.reply).toMatch(/S: 250 2\.0\.0 Ok: queued as/);
  });

  it('fails a self-signed certificate pinned by its fingerprint alone, as delivery does', async () => {
    const fingerprint = new X509Certificate(cert.cert).fingerprint256;
    const r = await run({ smtp: smtp(pf.port, { tlsTrust: { mode: 'pinned', fingerprint } }), send: { from: 'app@example.com', to: 'someone@example.net' } });
    expect(r.ok).toBe(false);
    const tls = step(r, 'tls');
    expect(tls.status).toBe('fail');
    expect(tls.certificate).toMatchObject({ trusted: false, trustError: 'DEPTH_ZERO_SELF_SIGNED_CERT', trustMode: 'pinned' });
    expect(tls.hint).toContain('fingerprint alone');
    expect(step(r, 'send').status).toBe('skip');
  });

  it('says when the server offers no AUTH although credentials are set', async () => {
    const r = await run({ smtp: smtp(pf.port, { tlsTrust: { mode: 'pinned', certificate: cert.cert } }), auth: { user: 'app', password: PASSWORD } });
    expect(step(r, 'auth')).toMatchObject({ status: 'fail', detail: 'the server offers no AUTH mechanism' });
    expect(step(r, 'auth').hint).toContain('relay that authorises by IP');
  });

  it('explains implicit TLS aimed at a STARTTLS port by probing plain SMTP', async () => {
    const r = await run({ smtp: smtp(pf.port, { security: 'tls' }) });
    const tls = step(r, 'tls');
    expect(tls.status).toBe('fail');
    expect(tls.hint).toContain('Set security to "starttls"');
  });
});

describe('diagnostics against nodemailer smtp-server (implicit TLS, AUTH)', () => {
  let peer: SmtpPeer;
  beforeAll(async () => {
    peer = await startSmtpServer({ secure: true, key: cert.key, cert: cert.cert, authMethods: ['PLAIN', 'LOGIN'], users: { app: PASSWORD } });
  });
  afterAll(async () => peer?.stop());
  const pinned = () => smtp(peer.port, { security: 'tls', tlsTrust: { mode: 'pinned', certificate: cert.cert } });

  it('authenticates with the right password and delivers the test message', async () => {
    const r = await run({ smtp: pinned(), auth: { user: 'app', password: PASSWORD }, send: { from: 'app@example.com', to: 'ops@example.net' } });
    expect(r.steps.map((s) => [s.name, s.status])).toEqual([
      ['dns', 'pass'],
      ['tcp', 'pass'],
      ['tls', 'pass'],
      ['ehlo', 'pass'],
      ['starttls', 'skip'],
      ['auth', 'pass'],
      ['send', 'pass'],
    ]);
    expect(r.ok).toBe(true);
    expect(step(r, 'ehlo').capabilities?.auth).toEqual(['PLAIN', 'LOGIN']);
    expect(step(r, 'auth').reply).toContain('C: AUTH PLAIN [credentials redacted]');
    expect(step(r, 'auth').reply).toContain('S: 235 Authentication successful');
    expect(JSON.stringify(r)).not.toContain(PASSWORD);
    expect(JSON.stringify(r)).not.toContain(Buffer.from(`\0app\0${PASSWORD}`).toString('base64'));
    const got = peer.messages.at(-1)!;
    expect(got.to).toEqual(['ops@example.net']);
    expect(got.raw.toString()).toContain('Subject: Mailroom connection test');
  });

  it('fails AUTH with a wrong password, hints, and redacts', async () => {
    const wrong = 'Wrong-Password-99';
    const r = await run({ smtp: pinned(), auth: { user: 'app', password: wrong } });
    const auth = step(r, 'auth');
    expect(auth.status).toBe('fail');
    expect(auth.detail).toContain('refused with 535');
    expect(auth.hint).toContain('user name or password is wrong');
    expect(step(r, 'send').status).toBe('skip');
    expect(JSON.stringify(r)).not.toContain(wrong);
  });

  it('explains STARTTLS aimed at an implicit-TLS port by probing TLS', async () => {
    const r = await run({ smtp: smtp(peer.port, { security: 'starttls' }) });
    const ehlo = step(r, 'ehlo');
    expect(ehlo.status).toBe('fail');
    expect(ehlo.detail).toContain('no greeting within 2 s');
    expect(ehlo.hint).toContain('Set security to "tls"');
  });
});

describe('diagnostics against broken endpoints', () => {
  it('reports a closed port at the tcp step', async () => {
    const port = await closedPort();
    const r = await run({ smtp: smtp(port) });
    expect(step(r, 'tcp')).toMatchObject({ status: 'fail' });
    expect(step(r, 'tcp').hint).toContain('Nothing accepts connections');
    expect(r.steps.map((s) => s.status)).toEqual(['pass', 'fail', 'skip', 'skip', 'skip', 'skip', 'skip']);
    // The steps not run name the failed one as people read it, not by its API name.
    expect(step(r, 'ehlo').detail).toBe('not run: TCP connect failed');
  });

  it('reports a port that accepts and never greets', async () => {
    const silent = await startSilentServer();
    try {
      const r = await run({ smtp: smtp(silent.port) });
      const ehlo = step(r, 'ehlo');
      expect(ehlo.status).toBe('fail');
      expect(ehlo.detail).toContain('no greeting');
      expect(ehlo.hint).toContain('never sent its greeting');
    } finally {
      await silent.stop();
    }
  });

  it('refuses STARTTLS-less servers when credentials are set', async () => {
    const peer = await startSmtpServer({ hideSTARTTLS: true, users: { app: PASSWORD } });
    try {
      const r = await run({ smtp: smtp(peer.port), auth: { user: 'app', password: PASSWORD } });
      expect(step(r, 'starttls')).toMatchObject({ status: 'fail', detail: 'the server does not offer STARTTLS' });
      expect(step(r, 'starttls').hint).toContain('never sends a password in plain text');
      expect(step(r, 'auth').status).toBe('skip');
    } finally {
      await peer.stop();
    }
  });

  it('with security "none" and credentials: says encryption is off by the setting and to choose STARTTLS or TLS, not that STARTTLS is stripped', async () => {
    const peer = await startSmtpServer({ hideSTARTTLS: true, users: { app: PASSWORD } });
    try {
      const r = await run({ smtp: smtp(peer.port, { security: 'none', requireTls: false }), auth: { user: 'app', password: PASSWORD } });
      expect(step(r, 'auth').status).toBe('fail');
      const hint = step(r, 'auth').hint ?? '';
      expect(hint).toContain('Encryption is off (security "none")');
      expect(hint).toContain('set security to "starttls" or "tls"');
      expect(hint).not.toContain('middlebox');
    } finally {
      await peer.stop();
    }
  });

  it('refuses loopback without the allow-list, with the same reply for open and closed ports', async () => {
    const peer = await startSmtpServer({});
    const closed = await closedPort();
    try {
      const none = compileNetworkPolicy([]);
      const errOpen = await runSmtpDiagnostic({ smtp: smtp(peer.port) }, none).catch((e) => e);
      const errClosed = await runSmtpDiagnostic({ smtp: smtp(closed) }, none).catch((e) => e);
      expect(errOpen.code).toBe('MAILROOM_E_TARGET_NOT_ALLOWED');
      expect(errOpen.message.replace(String(peer.port), 'PORT')).toBe(errClosed.message.replace(String(closed), 'PORT'));
      expect(errOpen.message).toContain('127.0.0.1 is a loopback address');
      const viaName = await runSmtpDiagnostic({ smtp: { ...smtp(peer.port), host: 'localhost' } }, none).catch((e) => e);
      expect(viaName.code).toBe('MAILROOM_E_TARGET_NOT_ALLOWED');
    } finally {
      await peer.stop();
    }
  });
});
