import { execFileSync } from 'node:child_process';
import https from 'node:https';
import path from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/kernel/clock.js';
import type { Dispatcher } from '../../src/delivery/dispatcher.js';
import { freePort, haveDovecot, selfSignedCert, startDovecot, tempDir } from '../helpers/diagnostics-peers.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { newOAuth2State, startOAuth2Server, validToken } from '../helpers/oauth2-server.js';
import type { MockProvider } from '../helpers/secret-provider-servers.js';
import { endSessions } from '../helpers/smtp-sessions.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * XOAUTH2 for SMTP: Mailroom fetches and renews the access token itself (Microsoft 365 client
 * credentials, Google and generic refresh tokens) from a local OAuth2 server, and an smtp-server
 * peer validates the bearer token it receives against what that server issued.
 */
const TENANT = 'contoso.onmicrosoft.com';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

await describeEachDialect('OAuth2 (XOAUTH2) on SMTP accounts', (dialect) => {
  let t: TestApp;
  let dispatcher: Dispatcher;
  let idp: MockProvider & { tokenUrl: string; authorizeUrl: string; introspectionUrl: string };
  let peer: { port: number; auths: { user: string; method: string; ok: boolean }[]; drop(): Promise<void>; stop(): Promise<void> };
  let serverId: string;
  const clock = new ManualClock(Date.now());
  const responses: string[] = [];
  const state = newOAuth2State({
    tenant: TENANT,
    clients: new Map<string, string | null>([
      ['11111111-2222-3333-4444-555555555555', 'ms-client-secret~Zx1'],
      ['google-client.apps.googleusercontent.com', 'GOCSPX-google-secret-Wq2'],
      ['generic-client', 'generic-secret-Pp3'],
    ]),
    appUser: 'm365@example.com',
    refreshTokens: new Map([
      ['rt-google-initial-Ab9', { user: 'gmail@example.com', clientId: 'google-client.apps.googleusercontent.com' }],
      ['rt-generic-initial-Cd8', { user: 'generic@example.com', clientId: 'generic-client' }],
    ]),
  });
  const SECRET_VALUES = ['ms-client-secret~Zx1', 'GOCSPX-google-secret-Wq2', 'generic-secret-Pp3', 'rt-google-initial-Ab9', 'rt-generic-initial-Cd8'];

  const call = async (method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, payload?: object): Promise<LightMyRequestResponse> => {
    const res = await t.request({ method, url: `/api/v1/${url}`, ...(payload ? { payload } : {}) });
    responses.push(res.body);
    return res;
  };
  const ok = async (method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, payload?: object) => {
    const res = await call(method, url, payload);
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const sendFrom = async (accountId: string) => {
    const { id } = await ok('POST', 'messages', { accountId, to: ['rcpt@example.net'], subject: 'oauth2', text: 'x' });
    await dispatcher.drain();
    return ok('GET', `messages/${id}`);
  };
  const oauthAccount = (address: string, auth: Record<string, unknown>) => ok('POST', 'accounts', { serverId, address, auth: { type: 'oauth2', tokenUrl: idp.tokenUrl, caCertificate: idp.cert.cert, ...auth } });

  beforeAll(async () => {
    idp = await startOAuth2Server(state);
    const cert = selfSignedCert(tempDir('mailroom-xoauth2-'), 'smtp.oauth.test');
    const port = await freePort();
    const auths: { user: string; method: string; ok: boolean }[] = [];
    const server = new SMTPServer({
      disableReverseLookup: true,
      logger: false,
      key: cert.key,
      cert: cert.cert,
      authMethods: ['XOAUTH2'],
      onAuth(auth, _s, cb) {
        const good = auth.method === 'XOAUTH2' && validToken(state, auth.username ?? '', auth.accessToken ?? '');
        auths.push({ user: auth.username ?? '', method: auth.method, ok: good });
        if (good) return cb(null, { user: auth.username });
        // RFC 7628: the failure is a JSON challenge, then 535 after the client's empty reply.
        return cb(null, { data: { status: '401', schemes: 'bearer', scope: 'https://outlook.office365.com/.default' } });
      },
      onData(stream, _s, cb) {
        stream.resume();
        stream.on('end', () => cb());
      },
    });
    server.on('error', () => undefined);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    peer = { port, auths, drop: () => endSessions(server), stop: () => new Promise<void>((r) => server.close(() => r())) };
    t = await startTestApp(dialect, { clock });
    dispatcher = await t.app.startDelivery({ loop: false });
    serverId = (await ok('POST', 'servers', { name: 'xoauth2-peer', smtp: { host: '127.0.0.1', port, security: 'starttls', tlsTrust: { mode: 'pinned', certificate: cert.cert }, connectTimeoutSec: 5, sendTimeoutSec: 5 } })).id;
  });
  afterAll(async () => {
    await t?.close();
    await peer?.stop();
    await idp?.stop();
  });

  it('Microsoft 365 client credentials: Mailroom fetches the app token and logs in with XOAUTH2', async () => {
    const acc = await oauthAccount('m365@example.com', { provider: 'microsoft', tenantId: TENANT, clientId: '11111111-2222-3333-4444-555555555555', clientSecret: 'ms-client-secret~Zx1' });
    expect(acc.auth).toMatchObject({ type: 'oauth2', provider: 'microsoft', clientSecretSet: true, refreshTokenSet: false });
    expect(JSON.stringify(acc)).not.toContain('ms-client-secret');
    const m = await sendFrom(acc.id);
    expect(m.status).toBe('sent');
    expect(peer.auths.at(-1)).toEqual({ user: 'm365@example.com', method: 'XOAUTH2', ok: true });
    expect(state.requests.at(-1)).toMatchObject({ grant_type: 'client_credentials', client_id: '11111111-2222-3333-4444-555555555555', scope: 'https://outlook.office365.com/.default' });
  });

  it('an expiring token is replaced before it runs out: no failed login, no failed send', async () => {
    state.lifetimeSec = 62; // renewed 60 s before expiry: after 2 s
    try {
      const acc = await oauthAccount('m365-short@example.com', { provider: 'microsoft', tenantId: TENANT, clientId: '11111111-2222-3333-4444-555555555555', clientSecret: 'ms-client-secret~Zx1' });
      state.appUser = 'm365-short@example.com';
      const before = { auths: peer.auths.length, tokens: state.requests.length };
      expect((await sendFrom(acc.id)).status).toBe('sent');
      await sleep(2300);
      const m = await sendFrom(acc.id);
      expect(m.status).toBe('sent');
      expect(m.attempts).toHaveLength(1);
      expect(state.requests.length - before.tokens).toBe(2);
      expect(peer.auths.slice(before.auths).every((a) => a.ok)).toBe(true);
    } finally {
      state.lifetimeSec = 3599;
      state.appUser = 'm365@example.com';
    }
  });

  it('a token revoked at the provider is fetched anew after the server refuses it, within the same attempt', async () => {
    const accounts = (await ok('GET', 'accounts')).items as { id: string; address: string }[];
    const acc = accounts.find((a) => a.address === 'm365@example.com')!;
    state.tokens.clear();
    await peer.drop();
    const before = peer.auths.length;
    const m = await sendFrom(acc.id);
    expect(m.status).toBe('sent');
    expect(m.attempts).toHaveLength(1);
    expect(peer.auths.slice(before).at(0)?.ok).toBe(false);
    expect(peer.auths.at(-1)?.ok).toBe(true);
  });

  it('Google: the refresh-token grant with the mail scope, and a rotated refresh token kept', async () => {
    state.rotateRefreshTokens = true;
    try {
      const acc = await oauthAccount('gmail@example.com', { provider: 'google', clientId: 'google-client.apps.googleusercontent.com', clientSecret: 'GOCSPX-google-secret-Wq2', refreshToken: 'rt-google-initial-Ab9' });
      expect(acc.auth).toMatchObject({ clientSecretSet: true, refreshTokenSet: true });
      expect((await sendFrom(acc.id)).status).toBe('sent');
      expect(state.requests.at(-1)).toMatchObject({ grant_type: 'refresh_token', refresh_token: 'rt-google-initial-Ab9', scope: 'https://mail.google.com/' });
      // The first refresh token is spent; the next refresh (after a restart: a new token source) uses the rotated one.
      await t.restart();
      dispatcher = await t.app.startDelivery({ loop: false });
      expect((await sendFrom(acc.id)).status).toBe('sent');
      const last = state.requests.at(-1)!;
      expect(last.grant_type).toBe('refresh_token');
      expect(last.refresh_token).not.toBe('rt-google-initial-Ab9');
      SECRET_VALUES.push(last.refresh_token!);
    } finally {
      state.rotateRefreshTokens = false;
    }
  });

  it('generic provider with the client secret in an internal secret; a revoked refresh token defers with the reason', async () => {
    // A client secret reference to nothing is refused naming its own field.
    const missing = await call('POST', 'accounts', { serverId, address: 'generic@example.com', auth: { type: 'oauth2', tokenUrl: idp.tokenUrl, provider: 'generic', clientId: 'generic-client', clientSecretRef: 'internal:idp-client', refreshToken: 'rt-x' } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', message: expect.stringContaining('auth.clientSecretRef: there is no internal secret "idp-client"'), details: { field: 'auth.clientSecretRef' } });
    expect((await call('PUT', 'secrets/idp-client', { value: 'generic-secret-Pp3' })).statusCode).toBe(201);
    const acc = await oauthAccount('generic@example.com', { provider: 'generic', clientId: 'generic-client', clientSecretRef: 'internal:idp-client', refreshToken: 'rt-generic-initial-Cd8', scope: 'mail.send' });
    expect(acc.auth).toMatchObject({ clientSecretRef: 'internal:idp-client', clientSecretSet: false, refreshTokenSet: true });
    expect((await sendFrom(acc.id)).status).toBe('sent');
    expect(state.requests.at(-1)).toMatchObject({ grant_type: 'refresh_token', client_secret: 'generic-secret-Pp3', scope: 'mail.send' });
    state.refreshTokens.delete('rt-generic-initial-Cd8');
    state.tokens.clear();
    await peer.drop();
    const m = await sendFrom(acc.id);
    expect(m.status).toBe('deferred');
    expect(m.lastError).toMatch(/OAuth2 token for generic@example.com: the token endpoint answered 400: invalid_grant/);
    // Test connection says the same once, in its own words.
    const test = await ok('POST', 'diagnostics/smtp', { accountId: acc.id });
    const auth = test.steps.find((st: { name: string }) => st.name === 'auth');
    expect(auth).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^could not get an OAuth2 token for generic@example.com: the token endpoint answered 400: invalid_grant/) });
    expect(auth.detail).not.toMatch(/OAuth2 token.*OAuth2 token/);
  });

  it('Connect with Microsoft: authorization code with PKCE stores the refresh token; the account then sends as the signed-in mailbox', async () => {
    const acc = await oauthAccount('connect@example.com', { provider: 'microsoft', tenantId: TENANT, clientId: '11111111-2222-3333-4444-555555555555', clientSecret: 'ms-client-secret~Zx1', authorizeUrl: idp.authorizeUrl });
    state.signedInUser = 'connect@example.com';
    const started = await ok('POST', `accounts/${acc.id}/oauth2/connect`);
    expect(started.redirectUri).toMatch(/\/api\/v1\/oauth2\/callback$/);
    const authorize = new URL(started.authorizeUrl);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({ client_id: '11111111-2222-3333-4444-555555555555', response_type: 'code', code_challenge_method: 'S256', login_hint: 'connect@example.com', redirect_uri: started.redirectUri });
    expect(authorize.searchParams.get('scope')).toContain('offline_access');
    // The browser's trip: the provider signs the user in and redirects back with a code.
    const location = await new Promise<string>((resolve, reject) => {
      https.get(started.authorizeUrl, { ca: idp.cert.cert }, (res) => {
        res.resume();
        resolve(String(res.headers.location));
      }).on('error', reject);
    });
    const back = new URL(location);
    const forged = await t.request({ method: 'GET', url: `/api/v1/oauth2/callback?state=forged&code=${back.searchParams.get('code')}` });
    expect(forged.headers.location).toBe('/accounts?oauth2=failed&reason=unknown');
    const done = await t.request({ method: 'GET', url: `${back.pathname}${back.search}` });
    expect(done.statusCode).toBe(302);
    expect(done.headers.location).toBe(`/accounts/${acc.id}?oauth2=connected`);
    expect(state.requests.at(-1)).toMatchObject({ grant_type: 'authorization_code', code_verifier: expect.stringMatching(/^[A-Za-z0-9_-]{43,128}$/), redirect_uri: started.redirectUri });
    SECRET_VALUES.push(...state.refreshTokens.keys());
    const replay = await t.request({ method: 'GET', url: `${back.pathname}${back.search}` });
    expect(replay.headers.location).toBe(`/accounts/${acc.id}?oauth2=failed&reason=used`);
    const shown = await ok('GET', `accounts/${acc.id}`);
    expect(shown.auth).toMatchObject({ refreshTokenSet: true });
    expect((await sendFrom(acc.id)).status).toBe('sent');
    expect(state.requests.at(-1)).toMatchObject({ grant_type: 'refresh_token', scope: expect.stringContaining('SMTP.Send') });
    expect(peer.auths.at(-1)).toEqual({ user: 'connect@example.com', method: 'XOAUTH2', ok: true });
    const health = await ok('GET', `accounts/${acc.id}/oauth2`);
    expect(health.health).toMatchObject({ status: 'ok', grant: 'refresh_token' });
    expect(Date.parse(health.health.expiresAt)).toBeGreaterThan(Date.now());
    const audit = await ok('GET', `audit?targetId=${acc.id}`);
    expect(audit.items.map((e: { action: string }) => e.action)).toContain('account.oauth2_connected');
  });

  it('checks a token on demand and explains a wrong client secret', async () => {
    const acc = await oauthAccount('check@example.com', { provider: 'microsoft', tenantId: TENANT, clientId: '11111111-2222-3333-4444-555555555555', clientSecret: 'wrong-secret' });
    const checked = await ok('POST', `accounts/${acc.id}/oauth2/check`);
    expect(checked).toMatchObject({ ok: false, error: { code: 'MAILROOM_E_SECRET_UNRESOLVED' } });
    expect(checked.error.message).toContain('AADSTS7000215');
    expect(checked.error.hint).toMatch(/client secret is wrong or expired/);
    expect((await ok('GET', `accounts/${acc.id}/oauth2`)).health).toMatchObject({ status: 'error', grant: 'client_credentials' });
    const password = ((await ok('GET', 'accounts')).items as { id: string; auth: { type: string } }[]).find((a) => a.auth.type === 'password');
    if (password) expect((await call('POST', `accounts/${password.id}/oauth2/connect`)).json().error.code).toBe('MAILROOM_E_INVALID_STATE');
  });

  it('an account with neither a refresh token nor a client secret asks nothing of the token endpoint and says what it needs', async () => {
    // Client credentials only for a confidential client: without its secret, a lenient endpoint said "ok".
    const server = await ok('POST', 'servers', { name: 'to-be-moved', smtp: { host: 'smtp.before.example', port: 587 } });
    const created = await ok('POST', 'accounts', { serverId: server.id, address: 'bare@example.com', auth: { type: 'oauth2', provider: 'microsoft', tenantId: TENANT, clientId: '11111111-2222-3333-4444-555555555555', clientSecret: 'ms-client-secret~Zx1', tokenUrl: idp.tokenUrl, caCertificate: idp.cert.cert } });
    // The server re-pointed: the account's client secret is cleared with it (it must be typed again).
    await ok('PATCH', `servers/${server.id}`, { version: server.version, smtp: { host: 'smtp.after.example' } });
    const acc = await ok('GET', `accounts/${created.id}`);
    expect(acc.auth.clientSecretSet).toBe(false);
    const before = state.requests.length;
    const checked = await ok('POST', `accounts/${acc.id}/oauth2/check`);
    expect(checked).toMatchObject({ ok: false, error: { code: 'MAILROOM_E_SECRET_UNRESOLVED' } });
    expect(checked.error.message).toMatch(/neither a refresh token nor a client secret is stored/);
    expect(checked.error.hint).toMatch(/Connect the account/);
    expect(state.requests.length).toBe(before);
  });

  it('diagnostics: the AUTH step logs in with XOAUTH2, and a refused token shows the server\'s answer and the usual causes', async () => {
    const accounts = (await ok('GET', 'accounts')).items as { id: string; address: string }[];
    const m365 = accounts.find((a) => a.address === 'm365@example.com')!;
    const good = await ok('POST', 'diagnostics/smtp', { accountId: m365.id });
    const auth = good.steps.find((st: { name: string }) => st.name === 'auth');
    expect(auth).toMatchObject({ status: 'pass', detail: 'authenticated as m365@example.com with XOAUTH2' });
    // A token the mail server refuses: issued for another mailbox than the login.
    const other = await oauthAccount('other365@example.com', { provider: 'microsoft', tenantId: TENANT, clientId: '11111111-2222-3333-4444-555555555555', clientSecret: 'ms-client-secret~Zx1' });
    const bad = await ok('POST', 'diagnostics/smtp', { accountId: other.id });
    const refused = bad.steps.find((st: { name: string }) => st.name === 'auth');
    expect(refused.status).toBe('fail');
    expect(refused.detail).toMatch(/XOAUTH2 authentication as other365@example.com refused with 535.*"status":"401"/);
    expect(refused.hint).toMatch(/lacks permission on this mailbox/);
    expect(JSON.stringify(bad)).not.toMatch(/at-[0-9a-f]{24}/);
  });

  it.runIf(haveDovecot() || process.env.CI === 'true')('IMAP: the diagnostic logs in to Dovecot with XOAUTH2 (its oauth2 passdb introspects the token at the authorization server)', async () => {
    const cert = selfSignedCert(tempDir('mailroom-imap-oauth2-'), 'imap.oauth.test');
    const dovecot = await startDovecot(cert, {}, { introspectionUrl: idp.introspectionUrl, caCertificate: idp.cert.cert });
    try {
      const server = await ok('POST', 'servers', { name: 'imap-oauth2', smtp: { host: '127.0.0.1', port: peer.port, security: 'starttls', tlsTrust: { mode: 'pinned', certificate: cert.cert } }, imap: { host: '127.0.0.1', port: dovecot.imapsPort, security: 'tls' } });
      state.appUser = 'imap365@example.com';
      const acc = await ok('POST', 'accounts', { serverId: server.id, address: 'imap365@example.com', auth: { type: 'oauth2', provider: 'microsoft', tenantId: TENANT, clientId: '11111111-2222-3333-4444-555555555555', clientSecret: 'ms-client-secret~Zx1', tokenUrl: idp.tokenUrl, caCertificate: idp.cert.cert } });
      const r = await ok('POST', 'diagnostics/imap', { accountId: acc.id });
      expect(r.steps.find((st: { name: string }) => st.name === 'login')).toMatchObject({ status: 'pass' });
      expect(r.ok).toBe(true);
      // A token the authorization server does not vouch for (issued already expired: the test
      // fetches a new token each time) is refused by Dovecot.
      state.lifetimeSec = 0;
      const refused = await ok('POST', 'diagnostics/imap', { accountId: acc.id });
      expect(refused.steps.find((st: { name: string }) => st.name === 'login')).toMatchObject({ status: 'fail' });
    } finally {
      state.lifetimeSec = 3599;
      state.appUser = 'm365@example.com';
      await dovecot.stop();
    }
  });

  it('refuses what cannot work, and never carries tokens to a re-pointed server', async () => {
    const both = await call('POST', 'accounts', { serverId, address: 'both@example.com', password: 'pw', auth: { type: 'oauth2', provider: 'google', clientId: 'x', clientSecret: 'y' } });
    expect(both.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'password' } });
    const noTenant = await call('POST', 'accounts', { serverId, address: 'nt@example.com', auth: { type: 'oauth2', provider: 'microsoft', clientId: 'x', clientSecret: 'y' } });
    expect(noTenant.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'auth.tenantId' } });
    const http = await call('POST', 'accounts', { serverId, address: 'h@example.com', auth: { type: 'oauth2', provider: 'generic', clientId: 'x', tokenUrl: 'http://idp.example.com/token' } });
    expect(http.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'auth.tokenUrl' } });
    const noSecret = await call('POST', 'accounts', { serverId, address: 'ns@example.com', auth: { type: 'oauth2', provider: 'microsoft', tenantId: TENANT, clientId: 'x' } });
    expect(noSecret.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'auth.clientSecret' } });
    const other = await ok('POST', 'servers', { name: 'elsewhere', smtp: { host: 'smtp.elsewhere.example', port: 587 } });
    const acc = ((await ok('GET', 'accounts')).items as { id: string; address: string; version: number }[]).find((a) => a.address === 'gmail@example.com')!;
    const moved = await call('PATCH', `accounts/${acc.id}`, { version: acc.version, serverId: other.id });
    expect(moved.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'auth.clientSecret' } });
  });

  it('no client secret, refresh token or access token in the database dump, the logs, the API or the audit', async () => {
    const dump =
      dialect === 'sqlite'
        ? execFileSync('sqlite3', [path.join(t.dataDir, 'mailroom.db'), '.dump'], { maxBuffer: 64 * 1024 * 1024 }).toString()
        : execFileSync('pg_dump', ['--data-only', t.databaseUrl!], { maxBuffer: 64 * 1024 * 1024 }).toString();
    const audit = JSON.stringify((await ok('GET', 'audit?limit=200')).items);
    const values = [...SECRET_VALUES, ...state.tokens.keys()];
    for (const [where, text] of Object.entries({ dump, logs: t.logLines.join(''), api: responses.join('\n'), audit })) {
      for (const v of values) expect(text.includes(v), `${where} contains ${v.slice(0, 8)}…`).toBe(false);
    }
  });
});
