import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, closedPort, openAdminSession, screenshot, type AdminSession, setUpApi } from './harness.js';

/**
 * The sender pages speak the UI's words and say a refusal once, at its field:
 * - a direct-delivery server is listed as "direct, MX:25" (as on the servers list), not "(:25)",
 *   in the account form and the wizard's saved servers;
 * - a saved account switched to OAuth2 does not say Connect is on "the account's page once it is
 *   saved": it is on that page;
 * - a password refused for an unencrypted server is said at the Password field with the
 *   encryption's labels (No encryption, STARTTLS, Implicit TLS), not `security "none"`;
 * - the wizard's test email: Enter sends, and a refused address is said at its field without `to:`;
 * - the Accounts list's "Not deleted" goes once another action on the list is taken.
 * Screenshots: sender-words-*.png.
 */
describe.runIf(chromiumAvailable())('sender pages in the UI’s words', { timeout: 120_000 }, () => {
  let s: AdminSession;
  let relayId: string;
  let directId: string;
  let appId: string;
  let spareId: string;
  const api = setUpApi(() => s);

  beforeAll(async () => {
    s = await openAdminSession('sqlite', { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    relayId = (await api('POST', '/servers', { name: 'Local relay', smtp: { host: '127.0.0.1', port: await closedPort(), security: 'none', requireTls: false } })).id;
    directId = (await api('POST', '/servers', { name: 'Direct out', smtp: { mode: 'direct' } })).id;
    appId = (await api('POST', '/accounts', { serverId: relayId, address: 'app@example.com' })).id;
    spareId = (await api('POST', '/accounts', { serverId: relayId, address: 'spare@example.com' })).id;
    // Typed work is left behind between tests: the browser's question on leaving is answered "leave".
    s.page.on('dialog', (d) => void d.accept().catch(() => undefined));
  }, 120_000);
  afterAll(async () => s?.close());

  it('a direct server is listed as "direct, MX:25" in the account form and the wizard', async () => {
    const { page } = s;
    await page.goto('/accounts/new');
    const options = page.getByLabel('Mail server').locator('option');
    await options.first().waitFor({ state: 'attached' });
    const texts = await options.allInnerTexts();
    expect(texts.some((t) => t.includes('(:25)'))).toBe(false);
    expect(texts).toContain('Direct out (direct, MX:25)');
    expect(texts.some((t) => /^Local relay \(127\.0\.0\.1:\d+\)$/.test(t))).toBe(true);

    await page.goto('/setup');

    await page.getByRole('list', { name: 'Setup steps' }).getByRole('button', { name: '1 Provider' }).click();
    await page.getByRole('radio', { name: /Other SMTP server/ }).click();
    const saved = page.getByLabel('Or use a saved server');
    await saved.waitFor();
    const wizard = await saved.locator('option').allInnerTexts();
    expect(wizard.some((t) => t.includes('(:25)'))).toBe(false);
    expect(wizard).toContain('Direct out (direct, MX:25)');
    expect(await page.getByLabel('Mail server', { exact: true }).count()).toBe(0);
  });

  it('an account on a direct server offers no login, password or OAuth2 (it logs in nowhere), and saves', async () => {
    const { page } = s;
    await page.goto('/accounts/new');
    await page.getByLabel('Mail server').selectOption(relayId);
    await page.getByLabel('Login', { exact: true }).waitFor();
    expect(await page.locator('input[type="password"]').count()).toBe(1);
    await page.getByLabel('Mail server').selectOption(directId);
    await page.getByTestId('direct-no-login').waitFor();
    expect(await page.getByTestId('direct-no-login').innerText()).toContain('Direct out delivers directly');
    expect(await page.getByLabel('Login', { exact: true }).count()).toBe(0);
    expect(await page.locator('input[type="password"]').count()).toBe(0);
    expect(await page.getByText('OAuth2', { exact: false }).count()).toBe(0);
    await screenshot(page, 'sender-words-06-direct-account');
    await page.getByLabel('Sender address').fill('direct@example.com');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(async () => ((await api('GET', '/accounts')) as unknown as { items: { address: string; serverId: string }[] }).items.find((a) => a.address === 'direct@example.com')?.serverId).toBe(directId);
  });

  it('a saved account switched to OAuth2 says Connect comes below once saved, not "on the account’s page"', async () => {
    const { page } = s;
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`/accounts/${appId}`);
    const form = page.getByRole('form', { name: 'Edit account app@example.com' });
    await form.getByLabel('Password input type').selectOption('oauth2');
    const settings = form.getByTestId('oauth2-settings');
    await settings.waitFor();
    const text = await settings.innerText();
    expect(text).not.toContain('account’s page');
    expect(text).not.toContain("account's page");
    expect(text).toContain('Connect');
    await screenshot(page, 'sender-words-01-oauth2-hint');
  });

  for (const width of [1280, 375]) {
    it(`a password refused for an unencrypted server is said at the Password field, in the UI’s words (${width} px)`, async () => {
      const { page } = s;
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`/accounts/${appId}`);
      const form = page.getByRole('form', { name: 'Edit account app@example.com' });
      const password = form.locator(`#acc-${appId}-password`);
      await password.fill('typed-password');
      await form.getByRole('button', { name: 'Save changes' }).click();
      const refusal = form.locator(`#acc-${appId}-password-error`);
      await refusal.waitFor();
      const said = await refusal.innerText();
      expect(said).toContain('No encryption');
      expect(said).toContain('STARTTLS');
      expect(said).toContain('Implicit TLS');
      expect(said).not.toMatch(/security "|"starttls"|"tls"|"none"/);
      expect(await password.getAttribute('aria-invalid')).toBe('true');
      // Once: not again in the banner.
      expect(await form.getByRole('alert').count()).toBe(0);
      // What was typed stays, and an edit takes the refusal away.
      expect(await password.inputValue()).toBe('typed-password');
      await screenshot(page, `sender-words-02-password-refused-${width}`);
      await password.fill('typed-password-2');
      await expect.poll(() => refusal.count()).toBe(0);
      expect(await password.getAttribute('aria-invalid')).toBeNull();
    });
  }

  it('wizard test email: Enter sends, and a refused address is said at the field without the API’s path (375 px)', async () => {
    const { page } = s;
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto('/setup');
    await page.getByRole('list', { name: 'Setup steps' }).getByRole('button', { name: '1 Provider' }).click();
    await page.getByRole('radio', { name: /Other SMTP server/ }).click();
    await page.getByLabel('Or use a saved server').selectOption(relayId);
    await page.getByRole('button', { name: 'Use it' }).click();
    await page.getByLabel('Or use a saved account').selectOption(appId);
    await page.getByRole('button', { name: 'Use it' }).click();
    await page.getByRole('button', { name: 'Skip the test' }).click();
    const to = page.getByLabel('Send to');
    // The browser takes "a@b" as an address; the API refuses it (no dot in the domain).
    await to.fill('a@b');
    await to.press('Enter');
    const refusal = page.locator('#wizard-test-to-error');
    await refusal.waitFor();
    expect(await refusal.innerText()).toContain('is not accepted');
    expect(await refusal.innerText()).not.toMatch(/^to:/);
    expect(await to.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByRole('alert').filter({ hasText: 'Not sent' }).count()).toBe(0);
    await screenshot(page, 'sender-words-03-wizard-send-refused');
    await to.fill('someone@example.com');
    await expect.poll(() => refusal.count()).toBe(0);
    await to.press('Enter');
    await page.getByRole('button', { name: 'Send another' }).waitFor();
    await screenshot(page, 'sender-words-04-wizard-send-enter');
  });

  it('Accounts list: "Not deleted" goes once another action on the list is taken', async () => {
    const { page } = s;
    await page.setViewportSize({ width: 1280, height: 900 });
    await api('PATCH', '/settings', { defaultAccountId: appId });
    await page.goto('/accounts');
    const row = page.locator(`tr[data-row-key="${appId}"]`);
    await row.getByRole('button', { name: 'Delete' }).click();
    await row.getByRole('button', { name: 'Yes, delete' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'Not deleted' });
    await refusal.waitFor();
    await page.locator(`tr[data-row-key="${spareId}"]`).getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => refusal.count()).toBe(0);
    await screenshot(page, 'sender-words-05-accounts-refusal-gone');
    expect(s.errors).toEqual([]);
  });
});
