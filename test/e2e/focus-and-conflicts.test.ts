import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, openAdminSession, screenshot, setUpApi, signedInPageAt, startSink, type AdminSession, type Sink } from './harness.js';

/**
 * 1. The focus after an action that takes its button away: a bulk *Retry all* / *Cancel all* puts
 *    it on the result ("Cancel requested for 2 messages."), saving a relay credential's edit on
 *    the credential's row; before, it fell to <body>.
 * 2. A double click on *Yes, retry all* sends one request and its second click lands on nothing
 *    (before, the question collapsed and the click opened the list row that moved under it).
 * 3. The relay credential's edit form says the username stays as created.
 * 4. A save refused because someone else saved meanwhile is said in the form's words, naming the
 *    server, account or credential by its name (no id, no version numbers), with *Load the saved
 *    version*, which asks first when something was typed and then shows what is stored.
 */
const focused = (page: Page) =>
  page.evaluate(() => ({ tag: document.activeElement?.tagName ?? '', text: ((document.activeElement as HTMLElement | null)?.innerText ?? '').trim() }));

describe.runIf(chromiumAvailable())('focus after bulk actions and saves; version conflicts in the form’s words', { timeout: 180_000 }, () => {
  let s: AdminSession;
  let sink: Sink;
  const api = setUpApi(() => s);
  let account: { id: string };

  beforeAll(async () => {
    sink = await startSink();
    s = await openAdminSession('sqlite');
    const server = await api('POST', '/servers', { name: 'Focus sink', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', requireTls: false } });
    account = await api('POST', '/accounts', { serverId: server.id, address: 'focus@example.com' });
  }, 120_000);
  afterAll(async () => {
    await s?.close();
    await sink?.close();
  });

  const failedMessages = async (prefix: string, n: number) => {
    for (let i = 1; i <= n; i++) await api('POST', '/messages', { accountId: account.id, to: ['reject-me@example.net'], subject: `${prefix} ${i}`, text: 'x' });
    await expect
      .poll(async () => ((await api('GET', `/messages?q=${prefix}&status=failed`)).items as unknown[]).length, { timeout: 30_000, interval: 300 })
      .toBe(n);
  };

  it('Retry all and Cancel all put the focus on what they did', async () => {
    const { page } = s;
    await failedMessages('Focusretry', 2);
    await page.goto('/messages?q=Focusretry');
    await page.locator('tbody tr').first().waitFor();
    await page.getByRole('button', { name: 'Retry all' }).click();
    await page.getByRole('button', { name: 'Yes, retry all' }).click();
    await expect.poll(() => focused(page)).toEqual({ tag: 'DIV', text: 'Retry requested for 2 messages.' });
    expect(await page.getByTestId('bulk-result').getAttribute('role')).toBe('status');
    await page.getByRole('button', { name: 'Retry all' }).waitFor();
    await screenshot(page, 'focus-01-after-retry-all');

    // Queued for tomorrow: Cancel all takes them.
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
    for (let i = 1; i <= 2; i++) await api('POST', '/messages', { accountId: account.id, to: ['ok@example.net'], subject: `Focuslater ${i}`, text: 'x', sendAt: tomorrow });
    await page.goto('/messages?q=Focuslater');
    await page.locator('tbody tr').first().waitFor();
    await page.getByRole('button', { name: 'Cancel all' }).click();
    await page.getByRole('button', { name: 'Yes, cancel all' }).click();
    await expect.poll(() => focused(page)).toEqual({ tag: 'DIV', text: 'Cancel requested for 2 messages.' });
    expect(s.errors).toEqual([]);
  });

  it('Retry on a message’s page puts the focus on what it did (the button is gone)', async () => {
    const { page } = s;
    const later = new Date(Date.now() + 86_400_000).toISOString();
    const m = await api('POST', '/messages', { accountId: account.id, to: ['ok@example.net'], subject: 'Focusone', text: 'x', sendAt: later });
    await api('POST', `/messages/${m.id}/cancel`);
    await page.goto(`/messages/${m.id}`);
    await page.getByRole('button', { name: 'Retry' }).click();
    const yes = page.getByRole('button', { name: /^Yes/ });
    if (await yes.count()) await yes.click();
    await expect.poll(async () => (await focused(page)).tag).toBe('DIV');
    expect((await focused(page)).text).toMatch(/^Queued for another attempt|^Scheduled|^Back on its schedule/);
    await screenshot(page, 'focus-03-after-retry-one');
  });

  it('a double click on “Yes, retry all” sends one request and opens no message', async () => {
    await failedMessages('Doubleclick', 12);
    // Narrow: the question wraps over several lines, so the rows below move up a long way when it goes.
    const narrow = await signedInPageAt(s, { width: 560, height: 900 });
    try {
      const { page } = narrow;
      const posts: string[] = [];
      page.on('request', (r) => r.method() === 'POST' && r.url().includes('/messages/retry') && posts.push(r.url()));
      await page.goto('/messages?q=Doubleclick');
      await page.locator('tbody tr').first().waitFor();
      await page.getByRole('button', { name: 'Retry all' }).click();
      await page.getByRole('button', { name: 'Yes, retry all' }).dblclick();
      // Past the question's hold: where the second click went is settled.
      await page.waitForTimeout(1_000);
      await screenshot(page, 'focus-02-double-click-yes');
      expect(new URL(page.url()).pathname).toBe('/messages');
      await page.getByText('Retry requested for 12 messages.').waitFor();
      expect(posts).toHaveLength(1);
      expect(narrow.errors).toEqual([]);
    } finally {
      await narrow.context.close();
    }
  });

  it('saving a relay credential’s edit puts the focus on its row; the form says the username stays', async () => {
    const { page } = s;
    const cred = await api('POST', '/smtp-credentials', { name: 'billing-app', allowedFrom: ['@example.com'] });
    const username = (cred as unknown as { username: string }).username;
    await page.goto('/smtp-relay');
    const row = page.locator(`tr[data-row-key="${cred.id}"]`);
    await row.getByRole('button', { name: 'Edit' }).click();
    const form = page.getByRole('form', { name: 'Edit “billing-app”' });
    expect(await form.locator('.hint').first().textContent()).toBe(`Which application uses it. The username (${username}) stays as created.`);
    expect(await form.textContent()).not.toContain('the username is made from it');
    await form.getByLabel('Recipients per message').fill('20');
    await form.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'TR', text: expect.stringContaining('billing-app') });
    expect(s.errors).toEqual([]);
  });

  const conflictBox = (page: Page) => page.getByTestId('version-conflict');

  it('a server changed by someone else meanwhile: said by its name, with “Load the saved version”', async () => {
    const { page } = s;
    const server = await api('POST', '/servers', { name: 'Conflict relay', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', requireTls: false } });
    await page.goto(`/servers/${server.id}`);
    const name = page.getByLabel('Name', { exact: true });
    await name.waitFor();
    await api('PATCH', `/servers/${server.id}`, { name: 'Renamed elsewhere', version: server.version });
    await name.fill('My rename');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await conflictBox(page).waitFor();
    const said = (await conflictBox(page).textContent()) ?? '';
    expect(said).toContain('Not saved: someone else changed the server “Conflict relay” after you opened it.');
    expect(said).not.toMatch(/srv_|version \d|you sent/);
    expect(await page.getByText('was changed by someone else').count()).toBe(0);
    await screenshot(page, 'conflict-01-server');
    // Something was typed: asked first; keeping it changes nothing.
    await conflictBox(page).getByRole('button', { name: 'Load the saved version' }).click();
    await page.getByRole('button', { name: 'Keep what I typed' }).click();
    expect(await name.inputValue()).toBe('My rename');
    await conflictBox(page).getByRole('button', { name: 'Load the saved version' }).click();
    await page.getByRole('button', { name: 'Yes, load the saved version' }).click();
    await page.getByTestId('version-loaded').waitFor();
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Renamed elsewhere');
    // The page around the form shows the loaded version too.
    await expect.poll(() => page.locator('h1').textContent()).toContain('Renamed elsewhere');
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'DIV', text: expect.stringContaining('The saved version of the server “Renamed elsewhere” is loaded') });
    await screenshot(page, 'conflict-02-server-loaded');
    // The change made again on the saved version is saved.
    await page.getByLabel('Name', { exact: true }).fill('My rename');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved.', { exact: true }).waitFor();
    expect((await api('GET', `/servers/${server.id}`)).name).toBe('My rename');
    expect(s.errors).toEqual([]);
  });

  it('an account and a relay credential changed meanwhile: said by name, with “Load the saved version”', async () => {
    const { page } = s;
    const server = await api('POST', '/servers', { name: 'Conflict sink', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', requireTls: false } });
    const acc = await api('POST', '/accounts', { serverId: server.id, address: 'conflict@example.com' });
    await page.goto(`/accounts/${acc.id}`);
    const display = page.getByLabel('Display name');
    await display.waitFor();
    await api('PATCH', `/accounts/${acc.id}`, { fromName: 'Set elsewhere', version: acc.version });
    await display.fill('Mine');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await conflictBox(page).waitFor();
    expect(await conflictBox(page).textContent()).toContain('Not saved: someone else changed the account conflict@example.com after you opened it.');
    await conflictBox(page).getByRole('button', { name: 'Load the saved version' }).click();
    await page.getByRole('button', { name: 'Yes, load the saved version' }).click();
    await page.getByTestId('version-loaded').waitFor();
    expect(await page.getByLabel('Display name').inputValue()).toBe('Set elsewhere');
    expect(await page.getByTestId('version-loaded').isVisible()).toBe(true);
    await screenshot(page, 'conflict-03-account-loaded');

    const cred = await api('POST', '/smtp-credentials', { name: 'conflict-app', allowedFrom: ['@example.com'] });
    await page.goto('/smtp-relay');
    await page.locator(`tr[data-row-key="${cred.id}"]`).getByRole('button', { name: 'Edit' }).click();
    const form = page.getByRole('form', { name: 'Edit “conflict-app”' });
    await api('PATCH', `/smtp-credentials/${cred.id}`, { maxRecipients: 7, version: cred.version });
    await form.getByLabel('Recipients per message').fill('30');
    await form.getByRole('button', { name: 'Save' }).click();
    await conflictBox(page).waitFor();
    expect(await conflictBox(page).textContent()).toContain('Not saved: someone else changed the credential “conflict-app” after you opened it.');
    await conflictBox(page).getByRole('button', { name: 'Load the saved version' }).click();
    await page.getByRole('button', { name: 'Yes, load the saved version' }).click();
    await page.getByTestId('version-loaded').waitFor();
    expect(await form.getByLabel('Recipients per message').inputValue()).toBe('7');
    // The row above the form shows the stored limit too, and the form stays as loaded.
    await expect.poll(() => page.locator(`tr[data-row-key="${cred.id}"]`).textContent()).toContain('7 recipients');
    expect(await page.getByTestId('version-loaded').isVisible()).toBe(true);
    await screenshot(page, 'conflict-04-credential-loaded');
    expect(s.errors).toEqual([]);
  });
});
