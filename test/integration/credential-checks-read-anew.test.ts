import type { LightMyRequestResponse } from 'fastify';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Dispatcher } from '../../src/delivery/dispatcher.js';
import { freePort, selfSignedCert, tempDir } from '../helpers/diagnostics-peers.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { newOAuth2State, startOAuth2Server, validToken } from '../helpers/oauth2-server.js';
import { startMockVault, type MockProvider, type VaultState } from '../helpers/secret-provider-servers.js';
import { endSessions } from '../helpers/smtp-sessions.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * *Check token* and *Test connection* read the account's credential anew, as the admin expects
 * after changing something at the provider: a reader who rotated a Vault password (vault and
 * mail server) saw "535, the user name or password is wrong" for five minutes while mail went
 * out, and one whose refresh token or client secret had been revoked saw "ok" from Check token
 * and a permission hint from Test connection, both from a token Mailroom had cached. A failed
 * check leaves what the senders hold alone: a token still valid keeps sending until it expires.
 */
const TENANT = 'contoso.onmicrosoft.com';
const CLIENT = '11111111-2222-3333-4444-555555555555';

await describeEachDialect('Check token and Test connection read the credential anew', (dialect) => {
  let t: TestApp;
  let dispatcher: Dispatcher;
  let idp: MockProvider & { tokenUrl: string };
  let vault: MockProvider;
  let server: SMTPServer;
  let serverId: string;
  const passwords = new Map<string, string>();
  const oauth = newOAuth2State({ tenant: TENANT, clients: new Map([[CLIENT, 'ms-client-secret~Zx1']]), appUser: 'app@example.com' });
  const vaultState: VaultState = { secrets: new Map([['mail/smtp', [{ password: 'vault-pw-1' }]]]), tokens: new Map([['hvs.t', { ttl: 0, renewable: false }]]), approle: { roleId: 'r', secretId: 's', ttl: 60 }, logins: 0, renewals: 0 };

  const call = (method: 'GET' | 'POST', url: string, payload?: object): Promise<LightMyRequestResponse> => t.request({ method, url: `/api/v1/${url}`, ...(payload ? { payload } : {}) });
  const ok = async (method: 'GET' | 'POST', url: string, payload?: object) => {
    const res = await call(method, url, payload);
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const sendFrom = async (accountId: string) => {
    const { id } = await ok('POST', 'messages', { accountId, to: ['rcpt@example.net'], subject: 'x', text: 'x' });
    await dispatcher.drain();
    return ok('GET', `messages/${id}`);
  };
  const authStep = async (accountId: string) => ((await ok('POST', 'diagnostics/smtp', { accountId })).steps as { name: string; status: string; detail: string }[]).find((s) => s.name === 'auth')!;
  const oauthAccount = (address: string) =>
    ok('POST', 'accounts', { serverId, address, auth: { type: 'oauth2', provider: 'microsoft', tenantId: TENANT, clientId: CLIENT, clientSecret: 'ms-client-secret~Zx1', tokenUrl: idp.tokenUrl, caCertificate: idp.cert.cert } });

  beforeAll(async () => {
    idp = await startOAuth2Server(oauth);
    vault = await startMockVault(vaultState);
    const cert = selfSignedCert(tempDir('mailroom-anew-'), 'smtp.anew.test');
    const port = await freePort();
    server = new SMTPServer({
      disableReverseLookup: true,
      logger: false,
      key: cert.key,
      cert: cert.cert,
      authMethods: ['PLAIN', 'XOAUTH2'],
      onAuth(auth, _s, cb) {
        const user = auth.username ?? '';
        if (auth.method === 'XOAUTH2' ? validToken(oauth, user, auth.accessToken ?? '') : passwords.get(user) === auth.password) return cb(null, { user });
        if (auth.method === 'XOAUTH2') return cb(null, { data: { status: '401', schemes: 'bearer' } });
        return cb(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
      },
      onData(stream, _s, cb) {
        stream.resume();
        stream.on('end', () => cb());
      },
    });
    server.on('error', () => undefined);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    t = await startTestApp(dialect);
    dispatcher = await t.app.startDelivery({ loop: false });
    serverId = (await ok('POST', 'servers', { name: 'peer', smtp: { host: '127.0.0.1', port, security: 'starttls', tlsTrust: { mode: 'pinned', certificate: cert.cert }, connectTimeoutSec: 5, sendTimeoutSec: 5 } })).id;
  });
  afterAll(async () => {
    await t?.close();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await idp?.stop();
    await vault?.stop();
  });

  it('a Vault password rotated at the vault and the mail server: Test connection logs in with the new one at once', async () => {
    passwords.set('relay@example.com', 'vault-pw-1');
    const p = await ok('POST', 'secret-providers', { name: 'Vault', kind: 'vault', config: { address: vault.url, caCertificate: vault.cert.cert }, credentials: { token: 'hvs.t' } });
    const acc = await ok('POST', 'accounts', { serverId, address: 'relay@example.com', passwordRef: `vault:${p.id}/mail/smtp#password` });
    expect((await sendFrom(acc.id)).status).toBe('sent');
    vaultState.secrets.get('mail/smtp')!.push({ password: 'vault-pw-2' });
    passwords.set('relay@example.com', 'vault-pw-2');
    expect(await authStep(acc.id)).toMatchObject({ status: 'pass' });
    await endSessions(server);
    expect((await sendFrom(acc.id)).status).toBe('sent');

    // A provider that now refuses is what the test reports, not a login with the cached value;
    // the senders keep that value (stale-if-error) and mail still goes.
    vaultState.tokens.delete('hvs.t');
    try {
      const step = await authStep(acc.id);
      expect(step.status).toBe('fail');
      expect(step.detail).toContain('Vault answered 403: permission denied');
      await endSessions(server);
      const m = await sendFrom(acc.id);
      expect([m.status, m.lastError]).toEqual(['sent', null]);
    } finally {
      vaultState.tokens.set('hvs.t', { ttl: 0, renewable: false });
    }
  });

  it('OAuth2 tokens revoked and the client secret expired: Check token and Test connection say so, not "ok" from the cached token', async () => {
    const acc = await oauthAccount('app@example.com');
    expect((await sendFrom(acc.id)).status).toBe('sent');
    oauth.clients.set(CLIENT, 'a-newer-secret');
    oauth.tokens.clear();
    try {
      const check = await ok('POST', `accounts/${acc.id}/oauth2/check`, {});
      expect(check).toMatchObject({ ok: false, error: { code: 'MAILROOM_E_SECRET_UNRESOLVED' } });
      expect(check.error.message).toContain('AADSTS7000215');
      expect((await ok('GET', `accounts/${acc.id}/oauth2`)).health).toMatchObject({ status: 'error' });
      const step = await authStep(acc.id);
      expect(step.status).toBe('fail');
      expect(step.detail).toContain('AADSTS7000215');
    } finally {
      oauth.clients.set(CLIENT, 'ms-client-secret~Zx1');
    }
  });

  it('a failed Check token keeps the token the senders hold while it is valid: mail still goes', async () => {
    const acc = await oauthAccount('app2@example.com');
    oauth.appUser = 'app2@example.com';
    try {
      expect((await sendFrom(acc.id)).status).toBe('sent');
      const fetched = oauth.requests.length;
      oauth.clients.set(CLIENT, 'a-newer-secret');
      expect(await ok('POST', `accounts/${acc.id}/oauth2/check`, {})).toMatchObject({ ok: false });
      expect(oauth.requests.length).toBe(fetched + 1);
      await endSessions(server);
      expect((await sendFrom(acc.id)).status).toBe('sent');
    } finally {
      oauth.clients.set(CLIENT, 'ms-client-secret~Zx1');
      oauth.appUser = 'app@example.com';
    }
  });
});
