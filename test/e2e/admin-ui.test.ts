import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../helpers/test-app.js';
import { chromiumAvailable, closedPort, ensureWebBuilt, launchBrowser, login, newPage, screenshot, startMailroom, startSink, type Live, type Sink } from './harness.js';

/**
 * The admin UI in Debian's Chromium against a real Mailroom (HTTP on a loopback port, workers
 * running) and a real SMTP server: log in, walk the wizard, watch the banner go, run a failing
 * and a passing connection test, send a test email and find it in the log as sent.
 */
const run = chromiumAvailable();

// Screenshots are taken only where docs/ui.md names them: each full-page one renders and encodes
// the whole page (0.1 to 0.4 s), and the others were named nowhere.
describe.runIf(run)('admin UI in Chromium', { timeout: 60_000 }, () => {
  let live: Live;
  let sink: Sink;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const SENDER = 'robot@example.com';
  const RCPT = 'ops@example.net';

  beforeAll(async () => {
    await ensureWebBuilt();
    sink = await startSink();
    // The SSRF guard refuses loopback unless allow-listed: the sink lives on 127.0.0.1.
    live = await startMailroom('sqlite', { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    browser = await launchBrowser();
    ({ page, errors } = await newPage(browser, live.baseUrl));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await live?.close();
    await sink?.close();
  });

  it('refuses a wrong password with the API message, then logs in and opens the wizard', async () => {
    await page.goto('/');
    await page.getByLabel('Email', { exact: true }).fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/\S{6,}/);
    await screenshot(page, '01-login');
    await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    await page.waitForURL('**/setup');
    await page.getByTestId('setup-banner').waitFor();
    expect(await page.getByTestId('setup-banner').textContent()).toMatch(/server/i);
    expect(await page.getByTestId('setup-banner').textContent()).toContain('Mailroom cannot send mail yet.');
    await screenshot(page, '02-wizard-presets');
  });

  it('walks the wizard: preset, server, account, connection test, test email, default sender; the banner disappears', async () => {
    await page.getByRole('radio', { name: /Other SMTP server/ }).click();
    await page.getByLabel('Name', { exact: true }).fill('Local relay');
    await page.getByLabel('SMTP host').fill('127.0.0.1');
    await page.getByRole('radio', { name: /No encryption/ }).check();
    await page.getByLabel('Port', { exact: true }).fill(String(sink.port));
    await screenshot(page, '03-wizard-server');
    await page.getByRole('button', { name: 'Save and continue' }).click();

    await page.getByLabel('Sender address').fill(SENDER);
    await page.getByLabel('Display name').fill('Mailroom Robot');
    await page.getByRole('button', { name: 'Save and continue' }).click();

    await page.getByRole('heading', { name: /Step 4/ }).waitFor();
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('Connection test passed.').waitFor();
    expect(await page.locator('[data-status="fail"]').count()).toBe(0);
    expect(await page.locator('.diag-step[data-step="tcp"][data-status="pass"]').count()).toBe(1);
    // In words an admin reads: the UI's test never sends a message, so it does not list one as skipped with the API's parameters.
    expect(await page.locator('.diag-step[data-step="send"]').count()).toBe(0);
    const steps = await page.getByTestId('diagnostics').innerText();
    expect(steps).not.toContain('send.from');
    expect(steps).not.toContain('security is');
    expect(steps).toContain('not used: encryption is off for this server');
    await screenshot(page, '04-wizard-connection-test');
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.getByLabel('Send to').fill(RCPT);
    await page.getByRole('button', { name: 'Send test email' }).click();
    await page.locator('[data-testid="message-watch"][data-status="sent"]').waitFor({ timeout: 30_000 });
    expect(sink.messages.some((m) => m.to.includes(RCPT) && m.from === SENDER)).toBe(true);
    await screenshot(page, '05-wizard-test-email');
    await page.getByRole('button', { name: 'Continue' }).click();

    expect(await page.getByTestId('setup-banner').count()).toBe(1);
    // The test email went out: what is left (the default sender) does not stop mail, and the banner does not say it does.
    const banner = (await page.getByTestId('setup-banner').textContent()) ?? '';
    expect(banner).not.toContain('cannot send mail');
    expect(banner).toContain('Mail goes out, but setup is not finished.');
    await page.getByRole('button', { name: /Make .* the default sender/ }).click();
    await page.getByText('is now the default sender').waitFor();
    await page.getByTestId('setup-banner').waitFor({ state: 'detached' });
    await screenshot(page, '06-wizard-done');
  });

  it('shows a failing connection test step in red with the hint, on unsaved server values', async () => {
    const port = await closedPort();
    await page.getByRole('link', { name: 'Mail servers' }).click();
    await page.getByRole('link', { name: 'Add server' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Nowhere');
    await page.getByLabel('SMTP host').fill('127.0.0.1');
    await page.getByRole('radio', { name: /No encryption/ }).check();
    await page.getByLabel('Port', { exact: true }).fill(String(port));
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('Connection test failed.').waitFor();
    const failed = page.locator('.diag-step[data-status="fail"]').first();
    expect(await failed.getAttribute('data-step')).toBe('tcp');
    expect(await failed.locator('.diag-hint').count()).toBe(1);
    await screenshot(page, '07-server-test-failed');
    // Nothing was saved by testing: leaving asks about the typed server first, and it is discarded.
    await page.getByRole('link', { name: 'Mail servers' }).click();
    await page.getByRole('dialog', { name: 'Leave without saving?' }).getByRole('button', { name: 'Discard changes and leave' }).click();
    await page.getByRole('cell', { name: 'Local relay', exact: true }).waitFor();
    expect(await page.getByRole('cell', { name: 'Nowhere' }).count()).toBe(0);
    await screenshot(page, '08-servers');
  });

  it('refuses to delete a server that accounts still use, showing the reason', async () => {
    const row = page.getByRole('row', { name: /Local relay/ });
    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Yes, delete' }).click();
    const err = page.getByRole('alert');
    await err.waitFor();
    expect(await err.textContent()).toMatch(/account/i);
    expect(await page.getByRole('cell', { name: 'Local relay', exact: true }).count()).toBe(1);
  });

  it('edits a saved server: IMAP section and retry schedule', async () => {
    await page.getByRole('link', { name: 'Local relay', exact: true }).click();
    await page.getByText('IMAP', { exact: true }).click();
    await page.getByLabel('This server also offers IMAP (its connection can be tested with Test IMAP)').check();
    await page.getByLabel('IMAP host').fill('127.0.0.1');
    await page.getByLabel('IMAP encryption').selectOption('starttls');
    expect(await page.getByLabel('IMAP port').inputValue()).toBe('143');
    await page.getByText('Retries and expiry').click();
    await page.getByLabel('First retries after (s)').fill('10, 60');
    await page.getByRole('button', { name: 'Save changes' }).click();
    const relay = async () => {
      const servers = (await live.t.request({ method: 'GET', url: '/api/v1/servers' })).json() as { items: { name: string; imap: unknown; retry: { backoffSec: number[] } }[] };
      return servers.items.find((x) => x.name === 'Local relay')!;
    };
    await expect.poll(async () => (await relay()).imap, { timeout: 10_000 }).toEqual({ host: '127.0.0.1', port: 143, security: 'starttls' });
    expect((await relay()).retry.backoffSec).toEqual([10, 60]);
    await page.getByRole('link', { name: 'Mail servers' }).click();
  });

  it('tests an account connection and sends test emails from the accounts page', async () => {
    await page.getByRole('link', { name: 'Accounts' }).click();
    await page.getByRole('link', { name: new RegExp(SENDER) }).first().waitFor(); // the address's link, before the row's Edit (which names it too)
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('Connection test passed.').waitFor();
    await page.getByLabel(`Select ${SENDER}`).check();
    await page.getByRole('button', { name: 'Send test email' }).click();
    await page.locator('[data-testid="message-watch"][data-status="sent"]').waitFor({ timeout: 30_000 });
    await screenshot(page, '09-accounts');
  });

  it('finds the test email in the log with status sent and opens its detail', async () => {
    await page.getByRole('link', { name: 'Email log' }).click();
    await page.getByRole('combobox', { name: 'Status' }).selectOption('sent');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL('**/messages?status=sent');
    const row = page.locator('tbody tr').filter({ hasText: RCPT }).first();
    await row.waitFor();
    expect(await row.locator('.chip').textContent()).toBe('sent');
    await screenshot(page, '10-email-log');
    await row.getByRole('link').click();
    await page.getByTestId('message-status').waitFor();
    expect(await page.getByTestId('message-status').textContent()).toBe('sent');
    await page.getByRole('heading', { name: 'Recipients' }).waitFor();
    expect(await page.getByRole('cell', { name: RCPT }).count()).toBeGreaterThan(0);
    expect(await page.locator('.attempt').count()).toBeGreaterThan(0);
    await page.getByRole('tab', { name: /Headers/ }).click();
    await screenshot(page, '11-message-detail');
  });

  it('renders an HTML part in a sandbox where its script cannot run', async () => {
    const html = '<p id="hello">Hello from HTML</p><script>window.top.document.title = "pwned"; document.body.innerHTML = "scripted";</script>';
    const res = await live.t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: [RCPT], subject: 'HTML sample', html, text: 'Hello from text' } });
    expect(res.statusCode).toBe(202);
    const { id } = res.json() as { id: string };
    await page.goto(`/messages/${id}`);
    await page.locator('[data-testid="message-status"] .chip', { hasText: 'sent' }).waitFor({ timeout: 30_000 });
    const frame = page.frameLocator('iframe[title="HTML part"]');
    await frame.locator('#hello').waitFor();
    expect(await page.locator('iframe[title="HTML part"]').getAttribute('sandbox')).toBe('');
    // Had the script run, it would have replaced the body (and the top page's title).
    expect(await frame.locator('#hello').count()).toBe(1);
    expect(await frame.locator('body').innerText()).not.toContain('scripted');
    // The page's own title (its subject), not "pwned".
    expect(await page.title()).toBe('HTML sample · Mailroom');
    await page.getByRole('tab', { name: 'Text' }).click();
    await page.getByText('Hello from text').waitFor();
  });

  it('shows a refused message as failed with the server reply, and retries it', async () => {
    const res = await live.t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['reject-me@example.net'], subject: 'Will bounce', text: 'x' } });
    expect(res.statusCode).toBe(202);
    const { id } = res.json() as { id: string };
    await page.goto('/messages?status=failed');
    const row = page.locator('tbody tr').filter({ hasText: 'reject-me@example.net' }).first();
    // The list does not poll: once the worker has recorded the refusal (asked of the API, not
    // waited for in fixed half seconds), Refresh shows it.
    await expect.poll(async () => ((await live.t.request({ method: 'GET', url: `/api/v1/messages/${id}` })).json() as { status: string }).status, { timeout: 15_000, interval: 100 }).toBe('failed');
    await page.getByRole('button', { name: 'Refresh' }).click();
    await row.getByRole('link').click();
    await page.locator('.attempt', { hasText: '550' }).waitFor();
    expect(await page.locator('.attempt').first().textContent()).toMatch(/No such user/);
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.getByText('Queued for another attempt.').waitFor();
  });

  it('retries a cancelled scheduled message back onto its schedule', async () => {
    const sendAt = new Date(Date.now() + 86_400_000).toISOString();
    const { id } = (await live.t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['later@example.net'], subject: 'Tomorrow', text: 'x', sendAt } })).json();
    expect((await live.t.request({ method: 'POST', url: `/api/v1/messages/${id}/cancel` })).statusCode).toBe(200);
    await page.goto(`/messages/${id}`);
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.getByText(/^Queued for another attempt\. It goes out as scheduled, /).waitFor();
    expect((await live.t.request({ method: 'GET', url: `/api/v1/messages/${id}` })).json()).toMatchObject({ status: 'queued', sendAt });
  });

  it('retries every failed message of a filter in bulk', async () => {
    await page.goto('/messages?status=failed');
    await page.locator('tbody tr').filter({ hasText: 'reject-me@example.net' }).first().waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Retry all' }).click();
    await page.getByRole('button', { name: 'Yes, retry all' }).click();
    const notice = page.getByText(/Retry requested for \d+ message/);
    await notice.waitFor();
    expect(await notice.textContent()).toMatch(/for [1-9]\d* message/);
  });

  it('routes a purpose to two accounts in order, reorders them and switches it off', async () => {
    const servers = (await live.t.request({ method: 'GET', url: '/api/v1/servers' })).json() as { items: { id: string }[] };
    const second = await live.t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: servers.items[0].id, address: 'reports@example.com' } });
    expect(second.statusCode).toBe(201);
    await page.getByRole('link', { name: 'Routing' }).click();
    const card = page.locator('[data-purpose="report"]');
    await card.waitFor();
    const add = card.getByLabel('Add an account to report');
    await add.selectOption({ label: SENDER });
    await card.getByRole('button', { name: 'Add', exact: true }).click();
    await add.selectOption({ label: 'reports@example.com' });
    await card.getByRole('button', { name: 'Add', exact: true }).click();
    await card.getByRole('button', { name: 'Move reports@example.com up' }).click();
    await card.getByRole('switch').uncheck();
    await card.getByRole('button', { name: 'Save' }).click();
    // The button reads "Saving…" while the request runs; it goes only once the save is done.
    await card.getByRole('button', { name: /^(Save|Saving…)$/ }).waitFor({ state: 'detached' });
    const report = (await live.t.request({ method: 'GET', url: '/api/v1/purposes/report' })).json() as { enabled: boolean; accountIds: string[] };
    expect(report.enabled).toBe(false);
    expect(report.accountIds).toEqual([second.json().id, expect.any(String)]);
    await page.reload();
    await page.locator('[data-purpose="report"] .order-label').first().waitFor();
    expect(await page.locator('[data-purpose="report"] .order-label').allTextContents()).toEqual(['reports@example.com', SENDER]);
  });

  it('shows routing, settings with sources and locks, and the audit log', async () => {
    await page.getByRole('link', { name: 'Routing' }).click();
    await page.locator('[data-purpose="two_factor"]').waitFor();
    expect(await page.getByLabel('System default account').inputValue()).not.toBe('');
    await screenshot(page, '12-routing');
    await page.getByRole('link', { name: 'Settings' }).click();
    const driver = page.locator('[data-setting="mailDriver"]');
    await driver.waitFor();
    expect(await driver.textContent()).toMatch(/Locked/);
    expect(await page.locator('[data-setting="defaultAccountId"]').textContent()).toMatch(/database/);
    await screenshot(page, '13-settings');
    await page.getByRole('link', { name: 'Audit log' }).click();
    // An entry, not the Action menu's option of the same name.
    await page.locator('.audit-entry', { hasText: 'settings.update' }).first().waitFor();
    await screenshot(page, '14-audit');
  });

  it('creates an API key and shows it exactly once', async () => {
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('Name', { exact: true }).fill('billing-app');
    await page.getByRole('button', { name: 'Create key' }).click();
    const shown = page.getByLabel('The new API key');
    await shown.waitFor();
    const key = (await shown.textContent()) ?? '';
    expect(key).toMatch(/^mrk_/);
    await screenshot(page, '15-api-keys');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.reload();
    await page.getByRole('cell', { name: /^billing-app/ }).waitFor();
    expect(await page.content()).not.toContain(key);
  });

  it('manages users; a viewer sees no edit buttons', async () => {
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByLabel('Email', { exact: true }).fill('viewer@example.com');
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByLabel('Initial password').fill('viewer-password-123');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByRole('cell', { name: /^viewer@example.com/ }).waitFor();
    await screenshot(page, '16-users');

    const viewer = await newPage(browser, live.baseUrl);
    try {
      await login(viewer.page, 'viewer@example.com', 'viewer-password-123');
      await viewer.page.waitForURL('**/messages');
      await viewer.page.getByRole('link', { name: 'Mail servers' }).click();
      await viewer.page.getByRole('cell', { name: 'Local relay', exact: true }).waitFor();
      expect(await viewer.page.getByRole('link', { name: 'Add server' }).count()).toBe(0);
      expect(await viewer.page.getByRole('button', { name: 'Delete' }).count()).toBe(0);
      expect(await viewer.page.getByRole('link', { name: 'Users' }).count()).toBe(0);
      await viewer.page.getByRole('link', { name: 'Routing' }).click();
      await viewer.page.locator('[data-purpose="two_factor"]').waitFor();
      expect(await viewer.page.getByRole('button', { name: 'Save defaults' }).count()).toBe(0);
      await screenshot(viewer.page, '17-viewer-routing');
      expect(viewer.errors).toEqual([]);
    } finally {
      await viewer.context.close();
    }
  });

  it('works at phone width', async () => {
    const phone = await newPage(browser, live.baseUrl, { width: 390, height: 844 });
    try {
      await login(phone.page, ADMIN_EMAIL, ADMIN_PASSWORD);
      await phone.page.goto('/messages');
      await phone.page.locator('tbody tr').first().waitFor();
      await phone.page.getByRole('button', { name: 'Menu' }).click();
      await phone.page.getByRole('link', { name: 'Accounts' }).click();
      await phone.page.getByRole('link', { name: new RegExp(SENDER) }).first().waitFor(); // the address's link, before the row's Edit (which names it too)
      const width = await phone.page.evaluate(() => document.documentElement.scrollWidth);
      expect(width).toBeLessThanOrEqual(390);
      expect(phone.errors).toEqual([]);
    } finally {
      await phone.context.close();
    }
  });

  it('logs out', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const res = await page.request.get('/api/v1/session');
    expect(res.status()).toBe(401);
    expect(errors).toEqual([]);
  });
});
