import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailroomError } from '../../src/core/kernel/errors.js';
import { providerAgent } from '../../src/secrets/providers/http.js';
import { clientCredentialsToken } from '../../src/secrets/oauth2/token-endpoint.js';
import { serve, type MockProvider } from '../helpers/secret-provider-servers.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A secret provider or token endpoint that accepts the request and never answers: the error
 * says it timed out and after how long, and the hint is the timeout's (what to check, and the
 * setting that raises it where there is one), not "could not be reached" with no reason.
 */
describe('a provider that never answers', () => {
  let t: TestApp;
  let silent: MockProvider;

  beforeAll(async () => {
    // Takes the request and keeps quiet (the connection stays open until the test stops it).
    silent = await serve(() => undefined);
    t = await startTestApp('sqlite');
  });
  afterAll(async () => {
    await t?.close();
    await silent?.stop();
  });

  it('Vault: "no answer within 1 s", with the timeout hint naming config.timeoutSec', async () => {
    const created = await t.request({ method: 'POST', url: '/api/v1/secret-providers', payload: { name: 'Slow Vault', kind: 'vault', config: { address: silent.url, caCertificate: silent.cert.cert, timeoutSec: 1 }, credentials: { token: 'hvs.slow' } } });
    expect(created.statusCode, created.body).toBe(201);
    const started = Date.now();
    const res = (await t.request({ method: 'POST', url: `/api/v1/secret-providers/${created.json().id}/test`, payload: { reference: 'mail/smtp#password' } })).json();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(res).toMatchObject({ ok: false, error: { code: 'MAILROOM_E_SECRET_UNRESOLVED' } });
    expect(res.error.message).toContain(`the provider at ${new URL(silent.url).host} could not be reached (no answer within 1 s)`);
    expect(res.error.message).not.toMatch(/aborted/i);
    expect(res.error.hint).toMatch(/^The provider did not answer within 1 s/);
    expect(res.error.hint).toMatch(/raise config\.timeoutSec/);
    expect(res.error.hint).not.toBe('The provider could not be reached.');
  });

  it('an OAuth2 token endpoint: the same words, naming the endpoint', async () => {
    const agent = providerAgent({ caCertificate: silent.cert.cert, timeoutSec: 1 });
    try {
      const source = clientCredentialsToken({ agent, tokenUrl: `${silent.url}/tenant/oauth2/v2.0/token`, clientId: 'c', clientSecret: 'client-secret-1', scope: 'https://vault.azure.net/.default', timeoutSec: 1, what: 'Microsoft identity platform' });
      const err = (await source.get('vault:kv/smtp').catch((e: unknown) => e)) as MailroomError;
      expect(err).toBeInstanceOf(MailroomError);
      expect(err.message).toContain(`Microsoft identity platform at ${new URL(silent.url).host} could not be reached (no answer within 1 s)`);
      expect((err.details as { hint?: string }).hint).toMatch(/^The provider did not answer within 1 s/);
    } finally {
      await agent.close();
    }
  });
});
