import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startMockVault, type MockProvider } from '../helpers/secret-provider-servers.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A provider's Test given a reference of another kind (copied from another provider, or an
 * internal: one) says so, instead of "the secret path is segments of letters, digits …" as if
 * the whole text were a Vault path.
 */
await describeEachDialect("a provider's Test with a reference of another kind", (dialect) => {
  let t: TestApp;
  let vault: MockProvider;
  let id: string;

  beforeAll(async () => {
    vault = await startMockVault({ secrets: new Map([['mail/smtp', [{ password: 'pw' }]]]), tokens: new Map([['hvs.t', { ttl: 0, renewable: false }]]), approle: { roleId: 'r', secretId: 's', ttl: 60 }, logins: 0, renewals: 0 });
    t = await startTestApp(dialect);
    const res = await t.request({ method: 'POST', url: '/api/v1/secret-providers', payload: { name: 'Vault', kind: 'vault', config: { address: vault.url, caCertificate: vault.cert.cert }, credentials: { token: 'hvs.t' } } });
    id = res.json().id;
  });
  afterAll(async () => {
    await t?.close();
    await vault?.stop();
  });

  it.each([
    ['azure-keyvault:spv_01m94p0smx6y5zz7eg9hb7010a/smtp-password', 'azure-keyvault'],
    ['cyberark:spv_01m94p0smx6y5zz7eg9hb7010a/MailSafe/smtp-relay', 'cyberark'],
    ['internal:relay-login', 'internal'],
  ])('%s: 400 naming both kinds and what to give', async (reference, kind) => {
    const res = await t.request({ method: 'POST', url: `/api/v1/secret-providers/${id}/test`, payload: { reference } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'reference' } });
    expect(res.json().error.message).toBe(`reference: is a ${kind}: reference, and this provider is a vault one: give "vault:${id}/<path>#<field>" or the part after the id (e.g. "mail/smtp#password")`);
  });

  it('its own references still test', async () => {
    const res = await t.request({ method: 'POST', url: `/api/v1/secret-providers/${id}/test`, payload: { reference: 'mail/smtp#password' } });
    expect(res.json()).toMatchObject({ ok: true, length: 2 });
  });
});
