import { rmSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApiKey } from '../../src/core/access/api-keys.service.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { closedPort, selfSignedCert, startSmtpServer, tempDir, type Cert, type SmtpPeer } from '../helpers/diagnostics-peers.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const PASSWORD = 'Diag-Password-That-Must-Not-Leak-7';

await describeEachDialect('diagnostics API', (dialect) => {
  let t: TestApp;
  let peer: SmtpPeer;
  let dir: string;
  let cert: Cert;
  let serverId: string;
  let accountId: string;

  beforeAll(async () => {
    dir = tempDir('mailroom-diag-api-');
    cert = selfSignedCert(dir);
    peer = await startSmtpServer({ secure: true, key: cert.key, cert: cert.cert, authMethods: ['PLAIN', 'LOGIN'], users: { 'app@example.com': PASSWORD } });
    t = await startTestApp(dialect, { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    const server = await t.request({
      method: 'POST',
      url: '/api/v1/servers',
      payload: { name: 'peer', smtp: { host: '127.0.0.1', port: peer.port, security: 'tls', tlsTrust: { mode: 'pinned', certificate: cert.cert }, connectTimeoutSec: 3, sendTimeoutSec: 5 } },
    });
    expect(server.statusCode).toBe(201);
    serverId = server.json().id;
    const account = await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId, address: 'app@example.com', password: PASSWORD } });
    expect(account.statusCode).toBe(201);
    accountId = account.json().id;
  });
  afterAll(async () => {
    await t?.close();
    await peer?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const diag = (payload: unknown, key?: string) => t.request({ method: 'POST', url: '/api/v1/diagnostics/smtp', payload: payload as object, key });

  it('tests a saved account with its stored password, without ever showing it', async () => {
    const res = await diag({ accountId, send: { from: 'app@example.com', to: 'ops@example.net' } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.ok).toBe(true);
    expect(body.steps.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual(['dns:pass', 'tcp:pass', 'tls:pass', 'ehlo:pass', 'starttls:skip', 'auth:pass', 'send:pass']);
    for (const s of body.steps) expect(typeof s.durationMs).toBe('number');
    expect(res.body).not.toContain(PASSWORD);
    expect(t.logLines.join('')).not.toContain(PASSWORD);
    const audit = (await t.request({ method: 'GET', url: `/api/v1/audit?action=diagnostics.smtp` })).json();
    const entry = audit.items.find((e: { action: string; target?: unknown }) => e.action === 'diagnostics.smtp');
    expect(entry).toBeTruthy();
    expect(JSON.stringify(audit)).not.toContain(PASSWORD);
  });

  it('never sends the stored password to a host or port other than the saved one', async () => {
    const other = await startSmtpServer({ secure: true, key: cert.key, cert: cert.cert, users: { 'app@example.com': PASSWORD } });
    try {
      const res = await diag({ accountId, smtp: { port: other.port } });
      const auth = res.json().steps.find((s: { name: string }) => s.name === 'auth');
      expect(auth.status).toBe('skip');
      expect(auth.detail).toContain('only sent to the server and login it was saved for');
    } finally {
      await other.stop();
    }
  });

  it('fails (not skips) the auth step when the account\'s password reference cannot be read', async () => {
    // An unset variable defers every send of the account: a test that said "ok" would mislead.
    const account = await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId, address: 'unset@example.com', passwordRef: 'env:MAILROOM_TEST_DIAG_UNSET_VAR' } });
    expect(account.statusCode).toBe(201);
    const body = (await diag({ accountId: account.json().id })).json();
    expect(body.ok).toBe(false);
    const auth = body.steps.find((s: { name: string }) => s.name === 'auth');
    expect(auth).toMatchObject({ status: 'fail' });
    expect(auth.detail).toContain('MAILROOM_TEST_DIAG_UNSET_VAR is not set');
    expect(auth.hint).toContain("Set MAILROOM_TEST_DIAG_UNSET_VAR in Mailroom's environment");
  });

  it('tests an account of a plain relay (its password is the IMAP login only) without AUTH, as delivery sends', async () => {
    const relay = await startSmtpServer({ secure: false, authOptional: true });
    try {
      const server = await t.request({
        method: 'POST',
        url: '/api/v1/servers',
        payload: { name: 'plain relay', smtp: { host: '127.0.0.1', port: relay.port, security: 'none', connectTimeoutSec: 3 }, imap: { host: '127.0.0.1', port: 993, security: 'tls' } },
      });
      expect(server.statusCode).toBe(201);
      for (const secret of [{ password: PASSWORD }, { passwordRef: 'env:MAILROOM_TEST_DIAG_IMAP_ONLY_UNSET' }]) {
        const account = await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.json().id, address: `relay-${Object.keys(secret)[0]}@example.com`, ...secret } });
        expect(account.statusCode).toBe(201);
        const body = (await diag({ accountId: account.json().id })).json();
        const auth = body.steps.find((s: { name: string }) => s.name === 'auth');
        expect(auth).toMatchObject({ status: 'skip' });
        expect(auth.detail).toContain('IMAP');
        expect(body.ok).toBe(true);
      }
    } finally {
      await relay.stop();
    }
  });

  it('says a plain relay\'s account without a password is tested without a login, naming no password it does not have', async () => {
    const relay = await startSmtpServer({ secure: false, authOptional: true });
    try {
      const server = await t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: 'sidecar', smtp: { host: '127.0.0.1', port: relay.port, security: 'none', connectTimeoutSec: 3 } } });
      expect(server.statusCode).toBe(201);
      const account = await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.json().id, address: 'nopass@example.com' } });
      expect(account.json().passwordSet).toBe(false);
      // A principal of its own: the file's other tests spend the session's 10 diagnostics a minute.
      const { key } = await createApiKey(t.app.ports.ctx, { label: 'test', ip: null }, { name: 'relay check', scopes: ['admin'], allowOverride: false }, null);
      const body = (await diag({ accountId: account.json().id }, key)).json();
      expect(body.ok).toBe(true);
      const auth = body.steps.find((s: { name: string }) => s.name === 'auth');
      expect(auth).toMatchObject({ status: 'skip', detail: 'not used: encryption is off for this server, so Mailroom sends through it without logging in' });
    } finally {
      await relay.stop();
    }
  });

  it('tests unsaved form values with typed credentials and explains a wrong password', async () => {
    const res = await diag({
      smtp: { host: '127.0.0.1', port: peer.port, security: 'tls', tlsTrust: { mode: 'pinned', certificate: cert.cert }, connectTimeoutSec: 3 },
      auth: { user: 'app@example.com', password: 'not-the-password' },
    });
    expect(res.statusCode).toBe(200);
    const auth = res.json().steps.find((s: { name: string }) => s.name === 'auth');
    expect(auth).toMatchObject({ status: 'fail' });
    expect(auth.hint).toContain('user name or password is wrong');
    expect(res.body).not.toContain('not-the-password');
  });

  it.each([
    [{ smtp: { host: '127.0.0.1' }, colour: 'red' }, 'MAILROOM_E_UNKNOWN_FIELD'],
    [{}, 'MAILROOM_E_VALIDATION'],
    [{ smtp: { host: '127.0.0.1' }, send: { from: 'a@example.com', to: 'not an address' } }, 'MAILROOM_E_INVALID_ADDRESS'],
    [{ smtp: { host: '127.0.0.1' }, auth: { user: 'a\r\nRSET', password: 'x' } }, 'MAILROOM_E_HEADER_INJECTION'],
    [{ smtp: { host: '127.0.0.1', port: 0 } }, 'MAILROOM_E_VALIDATION'],
  ])('refuses bad input %# with a precise 4xx', async (payload, code) => {
    const res = await diag(payload);
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(res.json().error.code).toBe(code);
  });

  it('is admin-only', async () => {
    const { key } = await createApiKey(t.app.ports.ctx, { label: 'test', ip: null }, { name: 'sender', scopes: ['send', 'read'], allowOverride: false }, null);
    const res = await diag({ smtp: { host: '127.0.0.1', port: peer.port } }, key);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('MAILROOM_E_FORBIDDEN');
  });

  it('asks for IMAP settings when the server has none', async () => {
    const res = await t.request({ method: 'POST', url: '/api/v1/diagnostics/imap', payload: { serverId } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain('no IMAP section');
  });

  it('refuses loopback without the allow-list (same reply for open and closed ports), audits it, and rate-limits', async () => {
    await t.restart({ MAILROOM_ALLOW_PRIVATE_HOSTS: '' });
    const closed = await closedPort();
    const open = await diag({ smtp: { host: '127.0.0.1', port: peer.port } });
    const shut = await diag({ smtp: { host: '127.0.0.1', port: closed } });
    expect(open.statusCode).toBe(403);
    expect(open.json().error.code).toBe('MAILROOM_E_TARGET_NOT_ALLOWED');
    expect(shut.statusCode).toBe(403);
    // The answer names the port asked for, and says nothing of whether anything listens there.
    expect(shut.json().error.message.replace(String(closed), 'PORT')).toBe(open.json().error.message.replace(String(peer.port), 'PORT'));
    expect(open.json().error.message).toContain('set the environment variable MAILROOM_ALLOW_PRIVATE_HOSTS=127.0.0.1');
    const metadata = await diag({ smtp: { host: '169.254.169.254', port: 25 } });
    expect(metadata.json().error.message).toContain('is a metadata address');
    // A saved server's own host and port is tested: the admin configured it, and delivery goes there anyway.
    const own = await diag({ serverId });
    expect(own.statusCode).toBe(200);
    expect(own.json().ok).toBe(true);
    // …but not the same saved server pointed elsewhere in the request.
    expect((await diag({ serverId, smtp: { port: closed } })).statusCode).toBe(403);
    const audit = (await t.request({ method: 'GET', url: '/api/v1/audit?action=diagnostics.smtp' })).json();
    expect(audit.items.some((e: { after?: { refused?: string } }) => e.after?.refused === 'MAILROOM_E_TARGET_NOT_ALLOWED')).toBe(true);
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await diag({ smtp: { host: '127.0.0.1', port: closed } })).statusCode);
    expect(statuses.slice(0, 5)).toEqual(Array(5).fill(403));
    expect(statuses.slice(5)).toEqual([429, 429, 429, 429, 429]);
    const limited = await diag({ smtp: { host: '127.0.0.1', port: closed } });
    expect(limited.json().error.code).toBe('MAILROOM_E_RATE_LIMITED');
  });
});
