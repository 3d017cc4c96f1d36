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
 * An OAuth2 client secret kept in a secret store (`clientSecretRef`) and rotated there and at
 * the identity provider: when the token endpoint refuses the cached value (invalid_client),
 * Mailroom reads the reference anew and asks once more, as it does for a password after a 535
 * (docs/secrets.md "Rotation just works"). Before, mail was deferred until the cached value's
 * cacheTtlSec ran out, and Check token said "wrong or expired" about a secret already replaced.
 */
const TENANT = 'contoso.onmicrosoft.com';
const CLIENT = '11111111-2222-3333-4444-555555555555';

await describeEachDialect('an OAuth2 client secret rotated in its secret store', (dialect) => {
  let t: TestApp;
  let dispatcher: Dispatcher;
  let idp: MockProvider & { tokenUrl: string };
  let vault: MockProvider;
  let server: SMTPServer;
  let serverId: string;
  const oauth = newOAuth2State({ tenant: TENANT, clients: new Map([[CLIENT, 'secret-1']]), appUser: 'app@example.com' });
  const vaultState: VaultState = { secrets: new Map([['mail/app', [{ secret: 'secret-1' }]]]), tokens: new Map([['hvs.t', { ttl: 0, renewable: false }]]), approle: { roleId: 'r', secretId: 's', ttl: 60 }, logins: 0, renewals: 0 };

  const ok = async (method: 'GET' | 'POST', url: string, payload?: object) => {
    const res: LightMyRequestResponse = await t.request({ method, url: `/api/v1/${url}`, ...(payload ? { payload } : {}) });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const sendFrom = async (accountId: string) => {
    const { id } = await ok('POST', 'messages', { accountId, to: ['rcpt@example.net'], subject: 'x', text: 'x' });
    await dispatcher.drain();
    return ok('GET', `messages/${id}`);
  };
  const rotate = (value: string) => {
    vaultState.secrets.get('mail/app')!.push({ secret: value });
    oauth.clients.set(CLIENT, value);
    // The old secret's tokens end too (the worst case: the next send needs a new token).
    oauth.tokens.clear();
  };

  beforeAll(async () => {
    idp = await startOAuth2Server(oauth);
    vault = await startMockVault(vaultState);
    const cert = selfSignedCert(tempDir('mailroom-cs-rotation-'), 'smtp.rotation.test');
    const port = await freePort();
    server = new SMTPServer({
      disableReverseLookup: true,
      logger: false,
      key: cert.key,
      cert: cert.cert,
      authMethods: ['XOAUTH2'],
      onAuth(auth, _s, cb) {
        if (validToken(oauth, auth.username ?? '', auth.accessToken ?? '')) return cb(null, { user: auth.username });
        return cb(null, { data: { status: '401', schemes: 'bearer' } });
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

  it('a send after the rotation reads the new secret and goes in the same attempt; Check token says ok', async () => {
    const p = await ok('POST', 'secret-providers', { name: 'Vault', kind: 'vault', config: { address: vault.url, caCertificate: vault.cert.cert }, credentials: { token: 'hvs.t' } });
    const acc = await ok('POST', 'accounts', { serverId, address: 'app@example.com', auth: { type: 'oauth2', provider: 'microsoft', tenantId: TENANT, clientId: CLIENT, clientSecretRef: `vault:${p.id}/mail/app#secret`, tokenUrl: idp.tokenUrl, caCertificate: idp.cert.cert } });
    expect((await sendFrom(acc.id)).status).toBe('sent');

    rotate('secret-2');
    await endSessions(server);
    const m = await sendFrom(acc.id);
    expect([m.status, m.lastError, m.attempts.length]).toEqual(['sent', null, 1]);

    rotate('secret-3');
    expect(await ok('POST', `accounts/${acc.id}/oauth2/check`, {})).toMatchObject({ ok: true });
  });

  it('a secret the endpoint refuses after the anew read too is the error it is, after one more request', async () => {
    const accounts = (await ok('GET', 'accounts')).items as { id: string }[];
    oauth.clients.set(CLIENT, 'only-the-idp-knows');
    const before = oauth.requests.length;
    const check = await ok('POST', `accounts/${accounts[0]!.id}/oauth2/check`, {});
    expect(check).toMatchObject({ ok: false, error: { code: 'MAILROOM_E_SECRET_UNRESOLVED' } });
    expect(check.error.message).toContain('AADSTS7000215');
    expect(oauth.requests.length - before).toBe(2);
  });
});
