import { afterAll, beforeAll, expect, it } from 'vitest';
import { tokenVaultState } from '../helpers/credential-bed.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startMockVault, type MockProvider } from '../helpers/secret-provider-servers.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A provider that resets connections (down behind its load balancer, restarting, sealed
 * behind a proxy) is tested: the hint names that first. A reader whose Vault was down read
 * "it may require a client certificate, or a proxy is in the way" and went to look at TLS.
 */
await describeEachDialect('a provider that resets the connection', (dialect) => {
  let t: TestApp;
  let vault: MockProvider;

  beforeAll(async () => {
    vault = await startMockVault(tokenVaultState(new Map([['mail/smtp', [{ password: 'pw' }]]])));
    t = await startTestApp(dialect);
  });
  afterAll(async () => {
    await t?.close();
    await vault?.stop();
  });

  it('Test: "could not be reached (the connection was closed)", the hint saying it may be down or restarting', async () => {
    const p = (await t.request({ method: 'POST', url: '/api/v1/secret-providers', payload: { name: 'Vault', kind: 'vault', config: { address: vault.url, caCertificate: vault.cert.cert }, credentials: { token: 'hvs.t' } } })).json();
    vault.down = true;
    const res = (await t.request({ method: 'POST', url: `/api/v1/secret-providers/${p.id}/test`, payload: { reference: 'mail/smtp#password' } })).json();
    expect(res).toMatchObject({ ok: false, error: { code: 'MAILROOM_E_SECRET_UNRESOLVED' } });
    expect(res.error.message).toContain('the provider could not be reached (the connection was closed)');
    expect(res.error.hint).toMatch(/^The provider closed the connection without answering: it may be down or restarting/);
  });
});
