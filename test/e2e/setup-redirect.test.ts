import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../helpers/test-app.js';
import { chromiumAvailable, login, newPage, openAdminSession, screenshot, setUpApi, type AdminSession } from './harness.js';

/**
 * Where signing in at "/" lands while setup is incomplete (docs/ui.md, First-run wizard). An
 * admin goes to the setup wizard only while Mailroom cannot send mail at all: no server, or no
 * active account (the banner's *Mailroom cannot send mail yet.*). The other gaps the setup status
 * reports (here: no default sender) leave mail going out: the admin lands on the email log, where
 * the banner lists them with *Open the setup wizard* and each gap's own link. Viewers always land
 * on the log, and a page opened by its address is never redirected.
 * Screenshots: setup-redirect-*.png.
 */
describe.runIf(chromiumAvailable())('signing in while setup is incomplete', { timeout: 120_000 }, () => {
  let s: AdminSession;
  const api = setUpApi(() => s);
  let accountId = '';

  beforeAll(async () => {
    s = await openAdminSession('sqlite');
    await api('POST', '/users', { email: 'viewer@example.com', role: 'viewer', password: 'viewer-password-1' });
  }, 120_000);
  afterAll(async () => s?.close());

  const missing = async () => ((await api('GET', '/setup/status')) as unknown as { complete: boolean; missing: { code: string }[] }).missing.map((m) => m.code);

  /** Signs in at "/" in a browser of its own and waits until the app has chosen where to go. */
  const signIn = async (email: string, password: string, at?: string): Promise<{ page: Page; close(): Promise<void> }> => {
    const other = await newPage(s.browser, s.live.baseUrl);
    if (at) {
      await other.page.goto(at);
      // The sign-in page says how the first password comes, and how to get back in without it.
      expect(await other.page.getByTestId('login-password-help').textContent()).toBe(
        "The first admin's password is printed once when Mailroom first starts (or set by MAILROOM_ADMIN_PASSWORD on that first start only). Lost it? On the server, run mailroom user reset-password --email <email> --password-env <variable>, or ask another admin.",
      );
      await other.page.getByLabel('Email', { exact: true }).fill(email);
      await other.page.getByLabel('Password', { exact: true }).fill(password);
      await other.page.getByRole('button', { name: 'Sign in' }).click();
      await other.page.locator('main#main').waitFor();
    } else {
      await login(other.page, email, password);
      await other.page.waitForURL(/\/(setup|messages)$/);
    }
    expect(other.errors).toEqual([]);
    return { page: other.page, close: () => other.context.close() };
  };

  it('with no server, an admin lands on the wizard', async () => {
    expect(await missing()).toContain('no_server');
    const { page, close } = await signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    expect(new URL(page.url()).pathname).toBe('/setup');
    // Elsewhere the banner's link goes where its words say, "Mail servers → Add server" (the wizard has its own button).
    await page.goto('/messages');
    expect(await page.getByRole('link', { name: /Add a mail server/ }).getAttribute('href')).toBe('/servers/new');
    await close();
  });

  it('with a server and an inactive account, an admin lands on the wizard; a page opened by its address stays', async () => {
    const serverId = (await api('POST', '/servers', { name: 'Provider', smtp: { host: 'smtp.example.com', port: 587, security: 'starttls' } })).id;
    accountId = (await api('POST', '/accounts', { serverId, address: 'app@example.com', active: false })).id;
    expect(await missing()).toContain('no_active_account');
    const first = await signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    expect(new URL(first.page.url()).pathname).toBe('/setup');
    await first.close();
    // Signing in on a page the admin opened on purpose keeps it.
    const deep = await signIn(ADMIN_EMAIL, ADMIN_PASSWORD, '/servers');
    await deep.page.getByRole('heading', { name: 'Mail servers' }).first().waitFor();
    expect(new URL(deep.page.url()).pathname).toBe('/servers');
    await deep.close();
    // A viewer is never sent to the wizard.
    const viewer = await signIn('viewer@example.com', 'viewer-password-1');
    expect(new URL(viewer.page.url()).pathname).toBe('/messages');
    await viewer.close();
  });

  it('with mail going out but no default sender, an admin lands on the email log, the banner offering the wizard', async () => {
    const version = (await api('GET', `/accounts/${accountId}`)).version as number;
    await api('PATCH', `/accounts/${accountId}`, { active: true, version });
    const codes = await missing();
    expect(codes).toContain('no_default_sender');
    expect(codes).not.toContain('no_server');
    expect(codes).not.toContain('no_active_account');
    const { page, close } = await signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    expect(new URL(page.url()).pathname).toBe('/messages');
    const banner = page.getByTestId('setup-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toContain('Mail goes out, but setup is not finished.');
    await banner.getByRole('link', { name: 'Choose a default sender →' }).waitFor();
    await screenshot(page, 'setup-redirect-01-no-default-sender');
    await banner.getByRole('link', { name: 'Open the setup wizard' }).click();
    await page.waitForURL('**/setup');
    await close();
  });
});
