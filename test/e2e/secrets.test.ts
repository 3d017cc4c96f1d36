import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCert, startSmtpServer, tempDir, type SmtpPeer } from '../helpers/diagnostics-peers.js';
import { startMockAzure, type AzureState, type MockProvider } from '../helpers/secret-provider-servers.js';
import { newOAuth2State, startOAuth2Server } from '../helpers/oauth2-server.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../helpers/test-app.js';
import { chromiumAvailable, login, openAdminSession, screenshot, type AdminSession } from './harness.js';

/**
 * The Secrets page and the account form's password input type in Chromium: an Azure Key Vault
 * provider added in the form (a local HTTPS server following Key Vault's REST protocol and the
 * Microsoft identity platform's token endpoint), its Test, an account whose password input type
 * is "Azure Key Vault" with the provider and secret picked from the list, saved, and a test email
 * delivered to an SMTP server that requires that password.
 */
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';

describe.runIf(chromiumAvailable())('Secrets page and the password input type', { timeout: 150_000 }, () => {
  let s: AdminSession;
  let azure: MockProvider;
  let smtp: SmtpPeer;
  const state: AzureState = {
    tenantId: TENANT,
    clientId: CLIENT,
    clientSecret: 'e2e-client-secret~Q9',
    secrets: new Map([['smtp-password', [{ version: '0a1b2c3d4e5f60718293a4b5c6d7e8f9', value: 'kv-smtp-pw-77' }]]]),
    tokensIssued: 0,
    tokenLifetimeSec: 3599,
  };

  beforeAll(async () => {
    azure = await startMockAzure(state);
    const cert = selfSignedCert(tempDir('mailroom-e2e-kv-'), 'smtp.kv.test');
    smtp = await startSmtpServer({ users: { 'kv@example.com': 'kv-smtp-pw-77' }, key: cert.key, cert: cert.cert });
    s = await openAdminSession('sqlite');
    await s.live.t.request({
      method: 'POST',
      url: '/api/v1/servers',
      payload: { name: 'Corporate relay', smtp: { host: '127.0.0.1', port: smtp.port, security: 'starttls', tlsTrust: { mode: 'pinned', certificate: cert.cert } } },
    });
  }, 180_000);

  afterAll(async () => {
    await s?.close();
    await azure?.stop();
    await smtp?.stop();
  });

  it('a provider form switched to another kind sends only that kind\'s settings; a refused setting is shown at its field', async () => {
    const { page } = s;
    await page.goto('/secrets');
    const form = page.getByRole('form', { name: 'New secret provider' });
    await form.getByLabel('Kind').selectOption('azure-keyvault');
    await form.getByLabel('Name', { exact: true }).fill('Scratch');
    await form.getByLabel('Vault URI').fill('https://typed-first.vault.azure.net');
    // The admin changes their mind: the Key Vault URI typed above is hidden now and must not be sent.
    await form.getByLabel('Kind').selectOption('vault');
    await form.getByLabel('Address', { exact: true }).fill('vault.example.com');
    await form.getByLabel('Token', { exact: true }).fill('s.token');
    await form.getByRole('button', { name: 'Add provider' }).click();
    const address = form.getByLabel('Address', { exact: true });
    await form.locator('#spv-address-err').getByText('"vault.example.com" is not a URL').waitFor();
    expect(await address.getAttribute('aria-invalid')).toBe('true');
    await expect.poll(() => address.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await page.getByText('vaultUrl').count()).toBe(0);
    expect(await page.getByText('config.address').count()).toBe(0);
    expect(await page.getByText('Not saved').count()).toBe(0);
    // Editing the field takes the refusal away.
    await address.fill('https://vault.example.com');
    await expect.poll(() => form.locator('#spv-address-err').count()).toBe(0);
    // Back on Key Vault, what was typed there is still there.
    await form.getByLabel('Kind').selectOption('azure-keyvault');
    expect(await form.getByLabel('Vault URI').inputValue()).toBe('https://typed-first.vault.azure.net');
    await page.reload();
    expect(s.errors).toEqual([]);
  });

  it('adds an Azure Key Vault provider and tests a secret: found, its length and version, never the value', async () => {
    const { page } = s;
    await page.goto('/secrets');
    await page.getByText('No secret provider yet').waitFor();
    const form = page.getByRole('form', { name: 'New secret provider' });
    await form.getByLabel('Kind').selectOption('azure-keyvault');
    await form.getByLabel('Name', { exact: true }).fill('Key Vault prod');
    await form.getByLabel('Vault URI').fill(azure.url);
    await form.getByLabel('Directory (tenant) ID').fill(TENANT);
    await form.getByLabel('Application (client) ID').fill(CLIENT);
    await form.getByLabel('Authority host').fill(azure.url);
    await form.getByLabel('CA certificate (PEM, optional)').fill(azure.cert.cert);
    await form.getByLabel('Client secret').fill('e2e-client-secret~Q9');
    await form.getByRole('button', { name: 'Add provider' }).click();
    const row = page.getByRole('row', { name: /Key Vault prod/ });
    await row.waitFor();
    expect(await row.getByText('clientSecret set').count()).toBe(1);
    await row.getByLabel('Secret to test').fill('missing-one');
    await row.getByRole('button', { name: 'Test' }).click();
    await row.getByText(/SecretNotFound/).waitFor();
    await row.getByLabel('Secret to test').fill('smtp-password');
    await row.getByRole('button', { name: 'Test' }).click();
    await row.getByText('Found, 13 characters, version 0a1b2c3d4e5f60718293a4b5c6d7e8f9.').waitFor();
    expect(await page.content()).not.toContain('kv-smtp-pw-77');
    expect(await page.content()).not.toContain('e2e-client-secret');
    await screenshot(page, 'secrets-01-provider-tested');
  });

  it('an account with password input type "Azure Key Vault": provider and secret picked, tested, saved, and it sends', async () => {
    const { page } = s;
    await page.goto('/accounts/new');
    await page.getByLabel('Sender address').fill('kv@example.com');
    await page.getByLabel('Password input type').selectOption('azure-keyvault');
    await page.getByLabel('Azure Key Vault provider').selectOption({ label: 'Key Vault prod' });
    await page.getByRole('button', { name: 'Browse' }).click();
    await page.getByLabel('Secrets the provider offers').selectOption('smtp-password');
    expect(await page.getByLabel('Secret (secret name, optionally /version)').inputValue()).toBe('smtp-password');
    await page.getByRole('button', { name: 'Test', exact: true }).click();
    await page.getByText(/Found, 13 characters/).waitFor();
    await screenshot(page, 'secrets-02-account-input-type');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/accounts\/acc_/);
    const accounts = (await s.live.t.request({ method: 'GET', url: '/api/v1/accounts' })).json().items as { id: string; address: string; passwordRef: string; passwordSet: boolean }[];
    const kv = accounts.find((a) => a.address === 'kv@example.com')!;
    expect(kv.passwordRef).toMatch(/^azure-keyvault:spv_[A-Za-z0-9_]+\/smtp-password$/);
    expect(kv.passwordSet).toBe(true);
    // The edit page shows the same choice back.
    expect(await page.getByLabel('Password input type').inputValue()).toBe('azure-keyvault');
    const tools = page.getByRole('form', { name: 'Send test email' });
    await tools.getByRole('button', { name: 'Send test email' }).click();
    await expect.poll(() => smtp.messages.length, { timeout: 30_000 }).toBe(1);
    expect(smtp.messages[0]!.to).toEqual(['kv@example.com']);
    await screenshot(page, 'secrets-03-account-sent');
    expect(s.errors).toEqual([]);
  });
});

describe.runIf(chromiumAvailable())('OAuth2 section of an account', { timeout: 150_000 }, () => {
  let s: AdminSession;
  let idp: MockProvider & { tokenUrl: string; authorizeUrl: string };
  let accountId = '';
  const state = newOAuth2State({ clients: new Map([['22222222-3333-4444-5555-666666666666', 'e2e-oauth-secret~R4']]), signedInUser: 'ops@example.com' });

  beforeAll(async () => {
    idp = await startOAuth2Server(state);
    s = await openAdminSession('sqlite');
    const post = async (url: string, payload: object) => (await s.live.t.request({ method: 'POST', url: `/api/v1${url}`, payload })).json();
    const server = await post('/servers', { name: 'Microsoft 365', smtp: { host: 'smtp.office365.com', port: 587 } });
    accountId = (
      await post('/accounts', {
        serverId: server.id,
        address: 'ops@example.com',
        auth: { type: 'oauth2', provider: 'microsoft', tenantId: state.tenant, clientId: '22222222-3333-4444-5555-666666666666', clientSecret: 'e2e-oauth-secret~R4', tokenUrl: idp.tokenUrl, authorizeUrl: idp.authorizeUrl, caCertificate: idp.cert.cert },
      })
    ).id;
  }, 180_000);

  afterAll(async () => {
    await s?.close();
    await idp?.stop();
  });

  it('checks the token, then Connect with Microsoft signs in at the provider and comes back connected', async () => {
    // The sign-in page is the provider's (here a local HTTPS server with its own certificate).
    const context = await s.browser.newContext({ baseURL: s.live.baseUrl, ignoreHTTPSErrors: true, viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    await page.goto(`/accounts/${accountId}`);
    const card = page.getByRole('region', { name: 'OAuth2 (Microsoft)' });
    await card.getByText('not fetched yet').waitFor();
    expect(await card.getByText(/Redirect URI to register at the provider/).textContent()).toContain('/api/v1/oauth2/callback');
    await card.getByRole('button', { name: 'Check token' }).click();
    await card.getByTestId('oauth2-health').getByText(/valid until/).waitFor();
    await screenshot(page, 'oauth2-01-token-checked');
    await card.getByRole('button', { name: 'Connect with Microsoft' }).click();
    await page.waitForURL(/oauth2=connected/);
    await page.getByText('Connected: the refresh token is stored (never shown).').waitFor();
    const account = (await s.live.t.request({ method: 'GET', url: `/api/v1/accounts/${accountId}` })).json();
    expect(account.auth).toMatchObject({ refreshTokenSet: true, clientSecretSet: true });
    expect(state.requests.at(-1)).toMatchObject({ grant_type: 'authorization_code' });
    expect(await page.content()).not.toContain('e2e-oauth-secret');
    await screenshot(page, 'oauth2-02-connected');
    await context.close();
  });
});
