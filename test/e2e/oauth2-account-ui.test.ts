import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/core/kernel/clock.js';
import { newOAuth2State, startOAuth2Server } from '../helpers/oauth2-server.js';
import type { MockProvider } from '../helpers/secret-provider-servers.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../helpers/test-app.js';
import { chromiumAvailable, closedPort, login, openAdminSession, screenshot, type AdminSession } from './harness.js';

/**
 * An OAuth2 sender account in Chromium, against a real Mailroom and a local OAuth2 provider
 * (test/helpers/oauth2-server.ts, HTTPS on 127.0.0.1): its settings edited on its page (a new
 * client secret, another client id, the scope), a new account's refusals at their fields, and
 * "Connect with Microsoft" coming back refused, expired, unknown, or from the provider's own
 * sign-in page (a cross-site navigation: the session cookie is SameSite=Strict).
 */
const TENANT = 'contoso.onmicrosoft.com';
const CLIENT_A = '11111111-2222-3333-4444-555555555555';
const SECRET_A = 'client-a-secret~Q1';
const CLIENT_B = '66666666-7777-8888-9999-000000000000';
const SECRET_B = 'client-b-secret~W2';
const STALE_SECRET = 'expired-secret~X0';
const SECRETS = [SECRET_A, SECRET_B, STALE_SECRET];

/** The server's time, movable forward: the sign-in link's ten minutes pass at once. */
class ShiftedClock implements Clock {
  offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
}

/** The field (label, control, hint, error) a control sits in. */
const fieldOf = (control: Locator) => control.locator('xpath=ancestor::div[contains(concat(" ", @class, " "), " field ")][1]');

describe.runIf(chromiumAvailable())('OAuth2 accounts in the admin UI', { timeout: 150_000 }, () => {
  let s: AdminSession;
  let idp: MockProvider & { tokenUrl: string; authorizeUrl: string };
  let serverId = '';
  const clock = new ShiftedClock();
  const state = newOAuth2State({ tenant: TENANT, clients: new Map([[CLIENT_A, SECRET_A], [CLIENT_B, SECRET_B]]), appUser: 'app365@example.com', signedInUser: 'mailbox@example.com' });

  const api = async (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) => {
    const res = await s.live.t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });
    expect(res.statusCode, res.body).toBeLessThan(300);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return res.json() as any;
  };
  const oauthAccount = (address: string, auth: Record<string, unknown> = {}) =>
    api('POST', '/accounts', { serverId, address, auth: { type: 'oauth2', provider: 'microsoft', tenantId: TENANT, clientId: CLIENT_A, clientSecret: SECRET_A, tokenUrl: idp.tokenUrl, authorizeUrl: idp.authorizeUrl, caCertificate: idp.cert.cert, ...auth } });

  /**
   * A signed-in page that may open the provider's pages (its own certificate), and nothing
   * outside 127.0.0.1, as the harness's pages.
   */
  const providerPage = async (): Promise<{ context: BrowserContext; page: Page; errors: string[] }> => {
    const context = await s.browser.newContext({ baseURL: s.live.baseUrl, ignoreHTTPSErrors: true, viewport: { width: 1366, height: 900 } });
    const errors: string[] = [];
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === '127.0.0.1' || url.protocol === 'data:' || url.protocol === 'about:') return route.continue();
      errors.push(`request to a foreign host blocked: ${url.href}`);
      return route.abort();
    });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (err) => errors.push(err.message));
    await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    return { context, page, errors };
  };

  beforeAll(async () => {
    idp = await startOAuth2Server(state);
    s = await openAdminSession('sqlite', { clock });
    // Nothing is sent in these tests: a server on a closed loopback port is enough.
    serverId = (await api('POST', '/servers', { name: 'Local 365', smtp: { host: '127.0.0.1', port: await closedPort(), security: 'starttls' } })).id;
  }, 180_000);
  afterAll(async () => {
    await s?.close();
    await idp?.stop();
  });

  it("edits a saved account's OAuth2 settings: a new client secret, then another client id that asks for its secret at the field", async () => {
    const { page } = s;
    const acc = await oauthAccount('edit365@example.com', { clientSecret: STALE_SECRET });
    await page.goto(`/accounts/${acc.id}`);
    const form = page.getByRole('form', { name: 'Edit account edit365@example.com' });
    // The settings as stored, the secret never shown.
    expect(await form.getByLabel('Password input type').inputValue()).toBe('oauth2');
    expect(await form.getByLabel('OAuth2 provider').inputValue()).toBe('microsoft');
    expect(await form.getByLabel('Directory (tenant) ID').inputValue()).toBe(TENANT);
    expect(await form.getByLabel('Application (client) ID').inputValue()).toBe(CLIENT_A);
    expect(await form.getByLabel('Token URL').inputValue()).toBe(idp.tokenUrl);
    const secret = form.getByLabel('Client secret', { exact: true });
    expect(await secret.inputValue()).toBe('');
    expect(await fieldOf(secret).locator('.hint').innerText()).toMatch(/^Set\. Leave empty to keep the current client secret\. Write-only/);

    // The stored secret has expired at the provider: Check token says so.
    await page.getByRole('region', { name: 'OAuth2 (Microsoft)' }).getByRole('button', { name: 'Check token' }).click();
    await page.getByTestId('oauth2-health').getByText('failing').waitFor();

    // A new secret, typed in: saved, the rest kept, and the token comes.
    await secret.fill(SECRET_A);
    await form.getByRole('button', { name: 'Save changes' }).click();
    await form.getByText('Saved.', { exact: true }).waitFor();
    expect(await secret.inputValue()).toBe('');
    expect((await api('GET', `/accounts/${acc.id}`)).auth).toMatchObject({ provider: 'microsoft', tenantId: TENANT, clientId: CLIENT_A, tokenUrl: idp.tokenUrl, authorizeUrl: idp.authorizeUrl, clientSecretSet: true, caCertificate: expect.stringContaining('BEGIN CERTIFICATE') });
    await page.getByRole('region', { name: 'OAuth2 (Microsoft)' }).getByRole('button', { name: 'Check token' }).click();
    await page.getByTestId('oauth2-health').getByText(/valid until/).waitFor();
    expect(state.requests.at(-1)).toMatchObject({ grant_type: 'client_credentials', client_id: CLIENT_A, client_secret: SECRET_A });
    await screenshot(page, 'oauth2-account-secret-saved');

    // A token URL the API refuses: said at Token URL, in words, not as "auth.tokenUrl: …" in a banner.
    const tokenUrl = form.getByLabel('Token URL');
    await tokenUrl.fill('http://127.0.0.1:9/token');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => tokenUrl.getAttribute('aria-invalid')).toBe('true');
    expect(await fieldOf(tokenUrl).locator('.field-error').innerText()).toMatch(/^must be an https:\/\/ URL/);
    expect(await page.locator('main').innerText()).not.toContain('auth.');
    expect(await page.getByText('Not saved').count()).toBe(0);
    await tokenUrl.fill(idp.tokenUrl);

    // Another client id: its secret is asked for first (the form says so, then the API at the field).
    await form.getByLabel('Application (client) ID').fill(CLIENT_B);
    await form.getByText(/needs the client secret again/).waitFor();
    await form.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => secret.getAttribute('aria-invalid')).toBe('true');
    expect(await fieldOf(secret).locator('.field-error').innerText()).toMatch(/^is required again when the provider, tenant, client id/);
    expect(await page.locator('main').innerText()).not.toContain('auth.clientSecret');
    await screenshot(page, 'oauth2-account-secret-again');
    await secret.fill(SECRET_B);
    await form.getByLabel('Scope').fill('https://outlook.office365.com/.default');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await form.getByText('Saved.', { exact: true }).waitFor();
    expect((await api('GET', `/accounts/${acc.id}`)).auth).toMatchObject({ clientId: CLIENT_B, scope: 'https://outlook.office365.com/.default', clientSecretSet: true, refreshTokenSet: false });
    await page.getByRole('region', { name: 'OAuth2 (Microsoft)' }).getByRole('button', { name: 'Check token' }).click();
    await page.getByTestId('oauth2-health').getByText(/valid until/).waitFor();
    expect(state.requests.at(-1)).toMatchObject({ client_id: CLIENT_B, client_secret: SECRET_B, scope: 'https://outlook.office365.com/.default' });

    const html = await page.content();
    for (const v of SECRETS) expect(html.includes(v), `the page shows ${v}`).toBe(false);
    expect(s.errors).toEqual([]);
  });

  it('an OAuth2 account switched back to a password: saved as one, its OAuth2 settings and secrets gone', async () => {
    const { page } = s;
    const acc = await oauthAccount('back@example.com');
    await page.goto(`/accounts/${acc.id}`);
    const form = page.getByRole('form', { name: 'Edit account back@example.com' });
    await form.getByLabel('Password input type').selectOption('plain');
    expect(await form.getByTestId('oauth2-settings').count()).toBe(0);
    await form.getByLabel('Password', { exact: true }).fill('a-password-again');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await form.getByText('Saved.', { exact: true }).waitFor();
    const saved = await api('GET', `/accounts/${acc.id}`);
    expect(saved).toMatchObject({ auth: { type: 'password' }, passwordSet: true });
    expect(saved.auth.clientSecretSet ?? false).toBe(false);
    // The page reloads the account: its OAuth2 section goes.
    await expect.poll(() => page.getByRole('region', { name: 'OAuth2 (Microsoft)' }).count()).toBe(0);
    expect(s.errors).toEqual([]);
  });

  it("a new OAuth2 account's refusals are said at their fields, in words, without the API's paths", async () => {
    const { page } = s;
    await page.goto('/accounts/new');
    const form = page.getByRole('form', { name: 'New account' });
    await form.getByLabel('Mail server').selectOption(serverId);
    await form.getByLabel('Sender address').fill('new365@example.com');
    await form.getByLabel('Password input type').selectOption('oauth2');
    const tenant = form.getByLabel('Directory (tenant) ID');
    await tenant.fill('not a tenant!');
    await form.getByLabel('Application (client) ID').fill(CLIENT_A);
    await form.getByLabel('Token URL').fill(idp.tokenUrl);
    await form.getByLabel('CA certificate (PEM)').fill(idp.cert.cert);
    const create = form.getByRole('button', { name: 'Create account' });

    await create.click();
    await expect.poll(() => tenant.getAttribute('aria-invalid')).toBe('true');
    expect(await fieldOf(tenant).locator('.field-error').innerText()).toMatch(/^must be the tenant id \(a GUID\) or its domain name/);
    expect(await page.locator('main').innerText()).not.toContain('auth.');
    expect(await page.getByText('Not saved').count()).toBe(0);
    await screenshot(page, 'oauth2-new-account-refused');

    // Microsoft without a client secret: at Client secret.
    await tenant.fill(TENANT);
    await create.click();
    const secret = form.getByLabel('Client secret', { exact: true });
    await expect.poll(() => secret.getAttribute('aria-invalid')).toBe('true');
    expect(await fieldOf(secret).locator('.field-error').innerText()).toMatch(/^is required for Microsoft/);
    expect(await page.locator('main').innerText()).not.toContain('auth.');

    // An unreadable CA certificate: at CA certificate.
    await secret.fill(SECRET_A);
    const ca = form.getByLabel('CA certificate (PEM)');
    await ca.fill('not a certificate');
    await create.click();
    await expect.poll(() => ca.getAttribute('aria-invalid')).toBe('true');
    expect(await fieldOf(ca).locator('.field-error').innerText()).toMatch(/^must be a PEM certificate/);

    await ca.fill(idp.cert.cert);
    await create.click();
    await page.waitForURL(/\/accounts\/acc_/);
    const id = page.url().split('/accounts/')[1]!;
    expect((await api('GET', `/accounts/${id}`)).auth).toMatchObject({ type: 'oauth2', provider: 'microsoft', tenantId: TENANT, clientId: CLIENT_A, clientSecretSet: true });
    expect(await page.content()).not.toContain(SECRET_A);
    expect(s.errors).toEqual([]);
  });

  it("Connect refused by the provider lands on the account with the provider's words: as text, on one line, bounded, nothing in the URL", async () => {
    const acc = await oauthAccount('refused365@example.com');
    const hostile = `AADSTS65004: User declined to consent to access the app.\r\nTrace ID: 0f1e2d3c\r\nCorrelation ID: 4b5a\u0000<img src=x onerror="window.__pwned=1">${'x'.repeat(3000)}`;
    state.signIn = { mode: 'refuse', error: 'access_denied', description: hostile };
    const { context, page, errors } = await providerPage();
    try {
      await page.goto(`/accounts/${acc.id}`);
      await page.getByRole('button', { name: 'Connect with Microsoft' }).click();
      await page.waitForURL(new RegExp(`/accounts/${acc.id}\\?oauth2=failed`));
      const outcome = page.getByTestId('oauth2-connect-outcome');
      await outcome.getByText('Microsoft refused the sign-in').waitFor();
      const message = await outcome.getByTestId('oauth2-connect-message').innerText();
      expect(message).toContain('access_denied');
      expect(message).toContain('AADSTS65004: User declined to consent to access the app. Trace ID: 0f1e2d3c Correlation ID: 4b5a');
      expect(message).toContain('<img src=x onerror="window.__pwned=1">');
      // eslint-disable-next-line no-control-regex -- control characters are what must not be there
      expect(message).not.toMatch(/[\r\n\u0000]/);
      expect(message.length).toBeLessThan(600);
      expect(await outcome.innerText()).toMatch(/accept the permissions.*press Connect/s);
      expect(await page.locator('img[src="x"]').count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      // The provider's text never travelled in the address (nor so in a header).
      expect(new URL(page.url()).search).toBe('?oauth2=failed&reason=access_denied');
      // The outcome is at the top of the page, in view, and a long word of the provider's wraps inside it.
      expect(await outcome.evaluate((el) => el.getBoundingClientRect().top)).toBeLessThan(400);
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await screenshot(page, 'oauth2-connect-refused');
      expect(errors).toEqual([]);
    } finally {
      state.signIn = { mode: 'redirect' };
      await context.close();
    }
  });

  it('Connect after the sign-in link expired lands on the account and says to press Connect again; an unknown sign-in lands on the Accounts list saying so', async () => {
    const acc = await oauthAccount('late365@example.com');
    state.signIn = { mode: 'page' };
    const { context, page, errors } = await providerPage();
    try {
      await page.goto(`/accounts/${acc.id}`);
      await page.getByRole('button', { name: 'Connect with Microsoft' }).click();
      await page.getByRole('heading', { name: 'Sign in to the test provider' }).waitFor();
      // The admin comes back to the provider's page eleven minutes later.
      clock.offset += 11 * 60_000;
      await page.getByRole('link', { name: 'Sign in' }).click();
      await page.waitForURL(new RegExp(`/accounts/${acc.id}\\?oauth2=failed&reason=expired$`));
      const outcome = page.getByTestId('oauth2-connect-outcome');
      await outcome.getByText('The sign-in link expired after 10 minutes: press Connect with Microsoft again').waitFor();
      await screenshot(page, 'oauth2-connect-expired');
      expect((await api('GET', `/accounts/${acc.id}`)).auth.refreshTokenSet).toBe(false);

      await page.goto('/api/v1/oauth2/callback?state=forged-state&code=forged-code');
      await page.waitForURL(/\/accounts\?oauth2=failed&reason=unknown$/);
      const unknown = page.getByTestId('oauth2-connect-outcome');
      await unknown.getByText(/Mailroom does not know this sign-in/).waitFor();
      expect(await unknown.innerText()).toMatch(/press Connect/);
      await screenshot(page, 'oauth2-connect-unknown');
      expect(errors).toEqual([]);
    } finally {
      state.signIn = { mode: 'redirect' };
      await context.close();
    }
  });

  it("Connect completes when the way back starts from the provider's own sign-in page (the Strict session cookie stays behind)", async () => {
    const acc = await oauthAccount('signed365@example.com');
    state.signIn = { mode: 'page' };
    const { context, page, errors } = await providerPage();
    try {
      await page.goto(`/accounts/${acc.id}`);
      await page.getByRole('button', { name: 'Connect with Microsoft' }).click();
      await page.getByRole('link', { name: 'Sign in' }).click();
      await page.waitForURL(new RegExp(`/accounts/${acc.id}\\?oauth2=connected$`));
      await page.getByTestId('oauth2-connect-outcome').getByText('Connected: the refresh token is stored (never shown).').waitFor();
      expect((await api('GET', `/accounts/${acc.id}`)).auth.refreshTokenSet).toBe(true);
      const audit = await api('GET', `/audit?targetId=${acc.id}`);
      expect(audit.items.find((e: { action: string }) => e.action === 'account.oauth2_connected')).toMatchObject({ actor: `user:${ADMIN_EMAIL}` });
      await screenshot(page, 'oauth2-connect-from-provider-page');
      expect(errors).toEqual([]);
    } finally {
      state.signIn = { mode: 'redirect' };
      await context.close();
    }
  });
});
