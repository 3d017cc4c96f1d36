import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, openAdminSession, screenshot, setUpApi, signedInPageAt, startSink, type AdminSession, type Sink } from './harness.js';

/**
 * 1. The setup wizard resumes from what is saved, not from step 1: after a reload (or in another
 *    browser, which shares no storage) it opens at the first step not done, shows the saved server
 *    and account as saved, the earlier test email and the default sender, and goes back to earlier steps.
 * 2. The email log's bulk questions say the numbers: how many match, how many the action takes,
 *    and what the rest are ("None of the 3 matching messages can be retried: they were sent."),
 *    also when the filter matches more than one page of the log.
 */
describe.runIf(chromiumAvailable())('wizard resumes from saved state; bulk questions count', { timeout: 180_000 }, () => {
  let s: AdminSession;
  let sink: Sink;
  const api = setUpApi(() => s);

  beforeAll(async () => {
    sink = await startSink();
    s = await openAdminSession('sqlite');
  }, 120_000);
  afterAll(async () => {
    await s?.close();
    await sink?.close();
  });

  const heading = (page: Page) => page.locator('#wizard-step-h');
  const stepStates = (page: Page) => page.locator('.stepper li').evaluateAll((items) => items.map((li) => /step-(\w+)/.exec(li.className)?.[1] ?? ''));
  const stepButton = (page: Page, label: string) => page.getByRole('list', { name: 'Setup steps' }).getByRole('button', { name: label });
  const reloadAt = async (page: Page, step: string) => {
    await page.reload();
    await page.locator('#wizard-step-h', { hasText: step }).waitFor();
  };

  it('a reload, or another browser, opens the wizard at the first step not done, with what was saved shown as saved', async () => {
    const { page } = s;
    await page.goto('/setup');
    await page.getByRole('radio', { name: /Other SMTP server/ }).click();
    await page.getByLabel('Name', { exact: true }).fill('Resume relay');
    await page.getByLabel('SMTP host').fill('127.0.0.1');
    await page.getByRole('radio', { name: /No encryption/ }).check();
    await page.getByLabel('Port', { exact: true }).fill(String(sink.port));
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await page.locator('#wizard-step-h', { hasText: 'Step 3' }).waitFor();

    // The server is saved: a reload comes back to the account, provider and server done.
    await reloadAt(page, 'Step 3: Account');
    expect(await stepStates(page)).toEqual(['done', 'done', 'current', 'todo', 'todo', 'todo']);
    await screenshot(page, 'wizard-resume-01-after-server-reload');
    // Back to the server: shown as saved, the form holding it.
    await stepButton(page, '2 Server').click();
    await heading(page).filter({ hasText: 'Step 2: Server' }).waitFor();
    expect(await page.getByTestId('saved-server').textContent()).toContain('Resume relay');
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Resume relay');
    await screenshot(page, 'wizard-resume-02-server-shown-saved');
    await page.getByRole('button', { name: 'Continue with this server' }).click();
    await heading(page).filter({ hasText: 'Step 3: Account' }).waitFor();
    await page.getByLabel('Sender address').fill('resume@example.com');
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await heading(page).filter({ hasText: 'Step 4' }).waitFor();

    // The account is saved: the connection test is next, here and in a browser with nothing stored.
    await reloadAt(page, 'Step 4: Connection test');
    expect(await stepStates(page)).toEqual(['done', 'done', 'done', 'current', 'todo', 'todo']);
    const other = await signedInPageAt(s, { width: 1024, height: 800 });
    try {
      await other.page.goto('/setup');
      await other.page.locator('#wizard-step-h', { hasText: 'Step 4: Connection test' }).waitFor();
      await screenshot(other.page, 'wizard-resume-03-other-browser');
      await stepButton(other.page, '3 Account').click();
      expect(await other.page.getByTestId('saved-account').textContent()).toContain('resume@example.com');
      expect(await other.page.getByLabel('Sender address').inputValue()).toBe('resume@example.com');
      expect(other.errors).toEqual([]);
    } finally {
      await other.context.close();
    }

    await page.getByRole('button', { name: 'Skip the test' }).click();
    await page.getByLabel('Send to').fill('someone@example.net');
    await page.getByRole('button', { name: 'Send test email' }).click();
    await page.locator('[data-testid="message-watch"][data-status="sent"]').waitFor({ timeout: 30_000 });

    // A test email went out: the default sender is what is left.
    await reloadAt(page, 'Step 6: Default sender');
    expect(await stepStates(page)).toEqual(['done', 'done', 'done', 'done', 'done', 'current']);
    await page.getByRole('button', { name: 'Make resume@example.com the default sender' }).waitFor();
    await stepButton(page, '5 Test email').click();
    expect(await page.getByTestId('earlier-test-email').textContent()).toContain('someone@example.net');
    await page.locator('[data-testid="message-watch"][data-status="sent"]').waitFor();
    await screenshot(page, 'wizard-resume-04-earlier-test-email');
    await stepButton(page, '6 Default sender').click();
    await page.getByRole('button', { name: 'Make resume@example.com the default sender' }).click();
    await page.getByText('is now the default sender').waitFor();

    // All done: the wizard says so after a reload, and every step stays open.
    await reloadAt(page, 'Step 6: Default sender');
    await page.getByText('resume@example.com is now the default sender').waitFor();
    await page.getByRole('link', { name: 'Go to the email log' }).waitFor();
    expect(await stepStates(page)).toEqual(['done', 'done', 'done', 'done', 'done', 'current']);
    await screenshot(page, 'wizard-resume-05-all-done');
    await stepButton(page, '1 Provider').click();
    await page.getByRole('radio', { name: /Other SMTP server/ }).waitFor();
    expect(s.errors).toEqual([]);
  });

  it('the bulk questions say how many match, how many they take and what the others are', async () => {
    const { page } = s;
    const server = await api('POST', '/servers', { name: 'Bulk sink', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', requireTls: false } });
    const account = await api('POST', '/accounts', { serverId: server.id, address: 'bulk@example.com' });
    const send = (subject: string, to: string) => api('POST', '/messages', { accountId: account.id, to: [to], subject, text: 'x' });
    for (let i = 1; i <= 3; i++) await send(`Only sent ${i}`, 'ok@example.net');
    for (let i = 1; i <= 3; i++) await send(`Mixed sent ${i}`, 'ok@example.net');
    for (let i = 1; i <= 2; i++) await send(`Mixed failed ${i}`, 'reject-me@example.net');
    // More than one page of the log (50 rows).
    for (let i = 1; i <= 55; i++) await send(`Many sent ${i}`, 'ok@example.net');
    await expect
      .poll(async () => ((await api('GET', '/messages?status=queued,sending,deferred&limit=500')).items as unknown[]).length, { timeout: 60_000, interval: 500 })
      .toBe(0);

    const question = async (filter: string, button: 'Retry all' | 'Cancel all') => {
      await page.goto(`/messages?${filter}`);
      await page.locator('tbody tr').first().waitFor();
      await page.getByRole('button', { name: button }).click();
      return ((await page.locator('.confirm-q, [data-testid="bulk-told"]').textContent()) ?? '').trim();
    };

    // Nothing retryable: it says how many match and what they are, and offers no "Yes".
    expect(await question('q=Only+sent', 'Retry all')).toBe('None of the 3 matching messages can be retried: they were sent. Only failed, deferred, expired or cancelled messages can be retried.');
    expect(await page.getByRole('button', { name: 'Yes, retry all' }).count()).toBe(0);
    await screenshot(page, 'bulk-counts-01-none-retryable');
    await page.getByRole('button', { name: 'OK' }).click();
    await page.getByRole('button', { name: 'Retry all' }).waitFor();
    expect(await question('q=Only+sent', 'Cancel all')).toBe('None of the 3 matching messages can be cancelled: they were sent. Only queued or deferred messages can be cancelled.');

    // A mix: how many it retries of how many, and what the others are.
    expect(await question('q=Mixed', 'Retry all')).toBe(
      'Retry the 2 failed, deferred, expired or cancelled messages among the 5 that match? The other 3 stay as they are: they were sent. Filter by status to leave some out.',
    );
    await screenshot(page, 'bulk-counts-02-mix');
    await page.getByRole('button', { name: 'Yes, retry all' }).click();
    await page.getByText('Retry requested for 2 messages.').waitFor();

    // More than the page shows: counted all the same, not "every … that matches?".
    await page.goto('/messages?q=Many+sent');
    await page.getByRole('button', { name: 'Load older messages' }).waitFor();
    await page.getByRole('button', { name: 'Retry all' }).click();
    await expect.poll(async () => (await page.locator('.confirm-q, [data-testid="bulk-told"]').textContent())?.trim()).toBe('None of the 55 matching messages can be retried: they were sent. Only failed, deferred, expired or cancelled messages can be retried.');
    await screenshot(page, 'bulk-counts-03-more-than-a-page');
    expect(s.errors).toEqual([]);
  });
});
