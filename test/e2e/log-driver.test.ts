import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable } from '../helpers/dialects.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../helpers/test-app.js';
import { chromiumAvailable, newPage, openAdminSession, screenshot, type AdminSession, type Live } from './harness.js';

/**
 * With MAILROOM_MAIL_DRIVER=log nothing is sent: the banner says so, the settings page shows
 * the driver locked with its reason, server edits show the API's refusal, and logged mail is
 * read in the email log. This suite runs on PostgreSQL (the main walk runs on SQLite), so the
 * UI is proven against both stores without running every browser test twice.
 */
const run = chromiumAvailable() && (await postgresAvailable());

describe.runIf(run)('admin UI with the log driver', { timeout: 60_000 }, () => {
  let live: Live;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  let session: AdminSession | undefined;

  beforeAll(async () => {
    session = await openAdminSession('postgres', {
      env: {
        MAILROOM_MAIL_DRIVER: 'log',
        MAILROOM_SMTP_HOST: 'smtp.example.com',
        MAILROOM_SMTP_PORT: '587',
        MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com',
        MAILROOM_MAIL_FROM_NAME: 'Example App',
      },
    });
    ({ live, browser, page, errors } = session);
  }, 120_000);

  afterAll(async () => session?.close());

  it('can be used with the keyboard alone: sign in, skip link, menu', async () => {
    const kb = await newPage(browser, live.baseUrl);
    try {
      await kb.page.goto('/');
      await kb.page.getByLabel('Email', { exact: true }).waitFor();
      // The email field has focus on arrival; Tab moves to the password, Enter submits.
      await kb.page.keyboard.type(ADMIN_EMAIL);
      await kb.page.keyboard.press('Tab');
      await kb.page.keyboard.type(ADMIN_PASSWORD);
      await kb.page.keyboard.press('Enter');
      await kb.page.locator('main#main').waitFor();
      await kb.page.keyboard.press('Tab');
      expect(await kb.page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
      expect(kb.errors).toEqual([]);
    } finally {
      await kb.context.close();
    }
  });

  it('says in the banner that the log driver is active and shows the driver locked with its reason', async () => {
    await page.goto('/settings');
    const banner = page.getByTestId('setup-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toMatch(/Log-only mode.*MAILROOM_MAIL_DRIVER=log/);
    const driver = page.locator('[data-setting="mailDriver"]');
    await driver.waitFor();
    const text = (await driver.textContent()) ?? '';
    expect(text).toMatch(/log/);
    expect(text).toMatch(/env/);
    expect(text).toMatch(/Locked/);
    expect(text).toMatch(/MAILROOM_MAIL_DRIVER/);
    await screenshot(page, '20-log-driver-settings');
  });

  it('shows the deploy-time server as env-sourced and its settings locked', async () => {
    await page.goto('/servers');
    const row = page.getByRole('row', { name: /smtp\.example\.com/ });
    await row.waitFor();
    expect(await row.textContent()).toMatch(/env/);
    await page.getByText('server settings are read-only').first().waitFor();
    expect(await page.getByRole('link', { name: 'Add server' }).count()).toBe(0);
    expect(await row.getByRole('button', { name: 'Delete' }).count()).toBe(0);
    await row.getByRole('link', { name: 'View' }).click();
    await page.waitForURL(/\/servers\/srv_/);
    await page.getByLabel('SMTP host').waitFor();
    expect(await page.getByLabel('SMTP host').isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Save changes' }).count()).toBe(0);
    await screenshot(page, '21-log-driver-server-locked');
    // The API refuses anyway, whatever the UI shows.
    const res = await page.evaluate(async () => {
      const s = await (await fetch('/api/v1/session')).json();
      const list = await (await fetch('/api/v1/servers')).json();
      const r = await fetch(`/api/v1/servers/${list.items[0].id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', 'x-csrf-token': s.csrfToken },
        body: JSON.stringify({ name: 'Renamed', version: list.items[0].version }),
      });
      return { status: r.status, body: await r.json() };
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.body.error.message).toMatch(/MAILROOM_MAIL_DRIVER=log/);
  });

  it('offers no server setup in log-only mode: the banner and the wizard say what it means and where the mail is read', async () => {
    await page.goto('/setup');
    await page.getByText('Mailroom was started with the environment variable').waitFor();
    expect(await page.getByRole('radio', { name: /Other SMTP server/ }).count()).toBe(0);
    const banner = page.getByTestId('setup-banner');
    expect(await banner.textContent()).toContain('Log-only mode: Mailroom sends no mail.');
    expect(await banner.getByRole('link', { name: 'Open the setup wizard' }).count()).toBe(0);
    await screenshot(page, '23-log-driver-setup');
    await banner.getByRole('link', { name: 'Read the logged mail →' }).click();
    await page.waitForURL('**/messages');
  });

  it('lists logged mail in the email log and shows its content', async () => {
    const res = await live.t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['someone@example.org'], subject: 'Logged only', text: 'Read me in the UI' } });
    expect(res.statusCode).toBe(202);
    const { id } = res.json() as { id: string };
    await page.goto('/messages');
    const row = page.locator('tbody tr').filter({ hasText: 'Logged only' });
    for (let i = 0; i < 20 && !(await row.locator('.chip', { hasText: 'logged' }).isVisible()); i++) {
      await page.waitForTimeout(250);
      await page.getByRole('button', { name: 'Refresh' }).click();
    }
    expect(await row.locator('.chip').textContent()).toBe('logged');
    await row.getByRole('link').click();
    await page.waitForURL(`**/messages/${id}`);
    await page.getByText('Read me in the UI').waitFor();
    expect(await page.getByTestId('message-status').textContent()).toBe('logged');
    await screenshot(page, '22-log-driver-message');
  });

  it('searches the log and pages through it with the cursor', async () => {
    for (let i = 0; i < 55; i++) {
      const res = await live.t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['someone@example.org'], subject: `Digest ${i}`, text: 'x' } });
      expect(res.statusCode).toBe(202);
    }
    await page.goto('/messages');
    await page.getByRole('searchbox').fill('Digest');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL('**/messages?q=Digest');
    const rows = page.locator('tbody tr');
    await page.getByRole('button', { name: 'Load older messages' }).waitFor();
    expect(await rows.count()).toBe(50);
    expect(await rows.filter({ hasText: 'Logged only' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Load older messages' }).click();
    // While loading, the button reads "Loading…": wait for the rows themselves, then for the button to go for good.
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(55);
    await page.getByRole('button', { name: /Load older messages|Loading/ }).waitFor({ state: 'detached' });
    expect(errors).toEqual([]);
  });
});
