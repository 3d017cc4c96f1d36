import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, openAdminSession, screenshot, setUpApi, startSink, type AdminSession, type Sink } from './harness.js';

/**
 * The setup wizard's steps say what is true of the server and account it goes on with:
 * 1. A test email that failed (550 no such user) does not count as done: a reload opens step 5,
 *    which says it failed and why and offers to send again; the connection test is not done.
 * 2. Switching to another saved server or account (*Or use a saved …* → *Use it*) recomputes which
 *    steps are done and open for it: no step stays green from the one before, none opens an empty
 *    card, and the finished state's links go until that account is the default sender.
 */
describe.runIf(chromiumAvailable())('wizard: a failed test email, and switching servers and accounts', { timeout: 180_000 }, () => {
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
  const settled = async (id: string) => {
    await expect.poll(async () => (await api('GET', `/messages/${id}`)).status, { timeout: 30_000, interval: 300 }).toMatch(/sent|failed/);
    return (await api('GET', `/messages/${id}`)).status;
  };
  const testEmail = async (accountId: string, to: string) => settled(((await api('POST', `/accounts/${accountId}/test`, { to })) as unknown as { messageId: string }).messageId);
  const useSaved = async (page: Page, label: string, option: string) => {
    await page.getByLabel(label).selectOption({ label: option });
    await page.getByRole('button', { name: 'Use it' }).click();
  };

  it('a failed test email reopens step 5 with why it failed; a sent one then finishes the step', async () => {
    const { page } = s;
    const server = await api('POST', '/servers', { name: 'Failing sink', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', requireTls: false } });
    const account = await api('POST', '/accounts', { serverId: server.id, address: 'failing@example.com' });
    expect(await testEmail(account.id, 'reject-nobody@example.net')).toBe('failed');

    await page.goto('/setup');
    await heading(page).filter({ hasText: 'Step 5: Test email' }).waitFor();
    // Not sent: neither the test email nor the connection counts as done; both stay open.
    expect(await stepStates(page)).toEqual(['done', 'done', 'done', 'open', 'current', 'todo']);
    const earlier = page.getByTestId('earlier-test-email');
    expect(await earlier.textContent()).toMatch(/was not sent: it failed: .*550 5\.1\.1 No such user/);
    expect(await earlier.textContent()).toContain('reject-nobody@example.net');
    await page.locator('[data-testid="message-watch"][data-status="failed"]').waitFor();
    await screenshot(page, 'wizard-switch-01-failed-test-email');

    await page.getByLabel('Send to').fill('someone@example.net');
    await page.getByRole('button', { name: 'Send again' }).click();
    await page.locator('[data-testid="message-watch"][data-status="sent"]').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await heading(page).filter({ hasText: 'Step 6: Default sender' }).waitFor();
    expect(await stepStates(page)).toEqual(['done', 'done', 'done', 'done', 'done', 'current']);
    await page.reload();
    await heading(page).filter({ hasText: 'Step 6: Default sender' }).waitFor();
    expect(await stepStates(page)).toEqual(['done', 'done', 'done', 'done', 'done', 'current']);
    expect(s.errors).toEqual([]);
  });

  it('switching to another saved server or account recomputes the steps, and no step opens an empty card', async () => {
    const { page } = s;
    // The default sender, tested: the wizard opens finished with it.
    const main = await api('POST', '/servers', { name: 'Main sink', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', requireTls: false } });
    const done = await api('POST', '/accounts', { serverId: main.id, address: 'done@example.com' });
    expect(await testEmail(done.id, 'ok@example.net')).toBe('sent');
    await api('PATCH', '/settings', { defaultAccountId: done.id });
    // Another account on it, never tested; and a server with no account.
    await api('POST', '/accounts', { serverId: main.id, address: 'untested@example.com' });
    await api('POST', '/servers', { name: 'Spare sink', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', requireTls: false } });

    await page.goto('/setup');
    await heading(page).filter({ hasText: 'Step 6: Default sender' }).waitFor();
    await page.getByRole('link', { name: 'Go to the email log' }).waitFor();

    // Another account on step 3: never tested, so steps 5 and 6 are not done, and the wizard is not finished.
    await stepButton(page, '3 Account').click();
    await useSaved(page, 'Or use a saved account', 'untested@example.com');
    await heading(page).filter({ hasText: 'Step 4: Connection test' }).waitFor();
    expect(await stepStates(page)).toEqual(['done', 'done', 'done', 'current', 'todo', 'todo']);
    expect(await page.getByRole('link', { name: 'Go to the email log' }).count()).toBe(0);
    expect(await stepButton(page, '5 Test email').isDisabled()).toBe(true);
    expect(await stepButton(page, '6 Default sender').isDisabled()).toBe(true);
    await screenshot(page, 'wizard-switch-02-untested-account');

    // Back to the tested default sender: its steps are done again, and so is the wizard.
    await stepButton(page, '3 Account').click();
    await useSaved(page, 'Or use a saved account', 'done@example.com');
    await heading(page).filter({ hasText: 'Step 4: Connection test' }).waitFor();
    expect(await stepStates(page)).toEqual(['done', 'done', 'done', 'current', 'done', 'done']);
    await page.getByRole('link', { name: 'Go to the email log' }).waitFor();
    await stepButton(page, '6 Default sender').click();
    await page.getByText('done@example.com is now the default sender').waitFor();

    // Another server on step 2: no account on it yet, so nothing after the account step is open.
    await stepButton(page, '2 Server').click();
    await useSaved(page, 'Or use a saved server', 'Spare sink (127.0.0.1:' + sink.port + ')');
    await heading(page).filter({ hasText: 'Step 3: Account' }).waitFor();
    expect(await stepStates(page)).toEqual(['done', 'done', 'current', 'todo', 'todo', 'todo']);
    for (const label of ['4 Connection test', '5 Test email', '6 Default sender']) expect(await stepButton(page, label).isDisabled()).toBe(true);
    expect(await page.getByRole('link', { name: 'Go to the email log' }).count()).toBe(0);
    expect(await page.getByLabel('Sender address').inputValue()).toBe('');
    await screenshot(page, 'wizard-switch-03-other-server');

    // No step's card is ever only its heading.
    for (const label of ['1 Provider', '2 Server', '3 Account']) {
      await stepButton(page, label).click();
      expect(((await page.locator('.wizard-body').innerText()).split('\n').filter((l) => l.trim()).length)).toBeGreaterThan(1);
    }
    expect(s.errors).toEqual([]);
  });
});
