import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { newOAuth2State, startOAuth2Server } from '../helpers/oauth2-server.js';
import { startMockVault, type MockProvider } from '../helpers/secret-provider-servers.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * An OAuth2 account's client secret may live in a secret store (`auth.clientSecretRef`, as
 * docs/oauth2.md shows). That account uses the internal secret or the provider as much as a
 * `passwordRef` does: it is listed in `usedBy`, and neither can be deleted under it (a reader
 * deleting "unused" secret `mailroom-app` found every token fetch of the account failing).
 */
const TENANT = 'contoso.onmicrosoft.com';
const CLIENT = '11111111-2222-3333-4444-555555555555';

await describeEachDialect('a clientSecretRef counts as a use of the secret it names', (dialect) => {
  let t: TestApp;
  let idp: MockProvider & { tokenUrl: string };
  let vault: MockProvider;
  let serverId: string;
  const state = newOAuth2State({ tenant: TENANT, clients: new Map([[CLIENT, 'ms-client-secret~Zx1']]) });

  const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object): Promise<LightMyRequestResponse> =>
    t.request({ method, url: `/api/v1/${url}`, ...(payload ? { payload } : {}) });
  const ok = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => {
    const res = await call(method, url, payload);
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const oauthAccount = (address: string, clientSecretRef: string) =>
    ok('POST', 'accounts', { serverId, address, auth: { type: 'oauth2', provider: 'microsoft', tenantId: TENANT, clientId: CLIENT, clientSecretRef, tokenUrl: idp.tokenUrl, caCertificate: idp.cert.cert } });

  beforeAll(async () => {
    idp = await startOAuth2Server(state);
    vault = await startMockVault({ secrets: new Map([['mail/app', [{ secret: 'ms-client-secret~Zx1' }]]]), tokens: new Map([['hvs.t', { ttl: 0, renewable: false }]]), approle: { roleId: 'r', secretId: 's', ttl: 60 }, logins: 0, renewals: 0 });
    t = await startTestApp(dialect);
    serverId = (await ok('POST', 'servers', { name: 'm365', smtp: { host: 'smtp.office365.example', port: 587 } })).id;
  });
  afterAll(async () => {
    await t?.close();
    await idp?.stop();
    await vault?.stop();
  });

  it('an internal secret: usedBy lists the account, DELETE is refused with MAILROOM_E_IN_USE and the token still comes', async () => {
    await ok('PUT', 'secrets/mailroom-app', { value: 'ms-client-secret~Zx1' });
    const acc = await oauthAccount('app@example.com', 'internal:mailroom-app');
    expect((await ok('GET', 'secrets/mailroom-app')).usedBy).toEqual([acc.id]);
    expect((await ok('GET', 'secrets')).items.find((s: { name: string }) => s.name === 'mailroom-app').usedBy).toEqual([acc.id]);
    const del = await call('DELETE', 'secrets/mailroom-app');
    expect(del.statusCode).toBe(409);
    expect(del.json().error).toMatchObject({ code: 'MAILROOM_E_IN_USE', details: { accountIds: [acc.id] } });
    // The accounts are named, as every refusal to delete something in use names its users.
    expect(del.json().error.message).toBe('secret "mailroom-app" is used by the account app@example.com; point it at another secret first');
    expect(await ok('POST', `accounts/${acc.id}/oauth2/check`, {})).toMatchObject({ ok: true });
  });

  it('a secret provider: DELETE is refused while an account reads its client secret there', async () => {
    const p = await ok('POST', 'secret-providers', { name: 'Vault', kind: 'vault', config: { address: vault.url, caCertificate: vault.cert.cert }, credentials: { token: 'hvs.t' } });
    const acc = await oauthAccount('app2@example.com', `vault:${p.id}/mail/app#secret`);
    expect(await ok('POST', `accounts/${acc.id}/oauth2/check`, {})).toMatchObject({ ok: true });
    const del = await call('DELETE', `secret-providers/${p.id}`);
    expect(del.statusCode).toBe(409);
    expect(del.json().error).toMatchObject({ code: 'MAILROOM_E_IN_USE', details: { accountIds: [acc.id] } });
    expect(del.json().error.message).toBe('secret provider "Vault" is used by the account app2@example.com; point it at another secret first');
  });
});
