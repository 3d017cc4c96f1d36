import { afterAll, beforeAll, expect, it } from 'vitest';
import { tokenVaultState } from '../helpers/credential-bed.js';
import { closedPort } from '../helpers/diagnostics-peers.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startMockAzure, startMockVault, type MockProvider } from '../helpers/secret-provider-servers.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '0f3c9b2e-6a41-4d7e-9c1a-8b2d4e6f0a13';

/**
 * A provider that resets connections (down behind its load balancer, restarting, sealed
 * behind a proxy) is tested: the hint names that first. A reader whose Vault was down read
 * "it may require a client certificate, or a proxy is in the way" and went to look at TLS.
 * A provider with two hosts (Azure: the sign-in authority and the vault) names the one that
 * failed: a reader whose authority host was wrong was sent to check the vault's.
 */
await describeEachDialect('a provider that resets the connection', (dialect) => {
  let t: TestApp;
  let vault: MockProvider;
  let azure: MockProvider;

  beforeAll(async () => {
    vault = await startMockVault(tokenVaultState(new Map([['mail/smtp', [{ password: 'pw' }]]])));
    azure = await startMockAzure({ tenantId: TENANT, clientId: CLIENT, clientSecret: 'cs', secrets: new Map([['smtp', [{ version: 'v1', value: 'pw' }]]]), tokensIssued: 0, tokenLifetimeSec: 3599 });
    t = await startTestApp(dialect);
  });
  afterAll(async () => {
    await t?.close();
    await vault?.stop();
    await azure?.stop();
  });

  it('Test: "could not be reached (the connection was closed)", the hint saying it may be down or restarting', async () => {
    const p = (await t.request({ method: 'POST', url: '/api/v1/secret-providers', payload: { name: 'Vault', kind: 'vault', config: { address: vault.url, caCertificate: vault.cert.cert }, credentials: { token: 'hvs.t' } } })).json();
    vault.down = true;
    const res = (await t.request({ method: 'POST', url: `/api/v1/secret-providers/${p.id}/test`, payload: { reference: 'mail/smtp#password' } })).json();
    expect(res).toMatchObject({ ok: false, error: { code: 'MAILROOM_E_SECRET_UNRESOLVED' } });
    expect(res.error.message).toContain(`the provider at ${new URL(vault.url).host} could not be reached (the connection was closed)`);
    expect(res.error.hint).toMatch(/^The provider closed the connection without answering: it may be down or restarting/);
  });

  it('Azure: an authority host that does not answer is named, not the vault that does', async () => {
    const authority = `https://127.0.0.1:${await closedPort()}`;
    const config = { vaultUrl: azure.url, authorityHost: authority, tenantId: TENANT, clientId: CLIENT, caCertificate: azure.cert.cert };
    const created = await t.request({ method: 'POST', url: '/api/v1/secret-providers', payload: { name: 'KV', kind: 'azure-keyvault', config, credentials: { clientSecret: 'cs' } } });
    expect(created.statusCode, created.body).toBe(201);
    const p = created.json();
    const res = (await t.request({ method: 'POST', url: `/api/v1/secret-providers/${p.id}/test`, payload: { reference: 'smtp' } })).json();
    expect(res).toMatchObject({ ok: false, error: { code: 'MAILROOM_E_SECRET_UNRESOLVED' } });
    expect(res.error.message).toContain(`Microsoft identity platform at ${new URL(authority).host} could not be reached (connection refused)`);
    expect(res.error.message).not.toContain(new URL(azure.url).host);
  });
});
