import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../helpers/test-app.js';
import { chromiumAvailable, closedPort, ensureWebBuilt, launchBrowser, login, newPage, screenshot, startMailroom, startSink, type Live, type Sink } from './harness.js';

/**
 * The email log as an admin reads it at 1366 px: a partly rejected message is "partly
 * delivered" with the count, a deferred one says why in plain words and when it tries again,
 * the Account column is whole, and bulk actions wait for a filter.
 */
describe.runIf(chromiumAvailable())('email log: what each row says', { timeout: 90_000 }, () => {
  let live: Live;
  let sink: Sink;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const ACCOUNT = 'quarterly-notifications@reports.example.com';

  const api = async (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) => {
    const res = await live.t.request({ method, url: `/api/v1${url}`, payload });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json() as { id: string } & Record<string, unknown>;
  };

  beforeAll(async () => {
    await ensureWebBuilt();
    sink = await startSink();
    live = await startMailroom('sqlite');
    const good = await api('POST', '/servers', { name: 'sink', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', requireTls: false } });
    const goodAccount = await api('POST', '/accounts', { serverId: good.id, address: ACCOUNT });
    const dead = await api('POST', '/servers', { name: 'nobody home', smtp: { host: '127.0.0.1', port: await closedPort(), security: 'none', requireTls: false }, retry: { backoffSec: [3600] } });
    const deadAccount = await api('POST', '/accounts', { serverId: dead.id, address: 'alerts@example.com' });
    await api('POST', '/messages', { accountId: goodAccount.id, to: ['ok@example.net', 'reject-me@example.net'], subject: 'Half of it', text: 'x' });
    await api('POST', '/messages', { accountId: deadAccount.id, to: ['ops@example.net'], subject: 'Going nowhere', text: 'x' });
    browser = await launchBrowser();
    ({ page, errors } = await newPage(browser, live.baseUrl, { width: 1366, height: 900 }));
    await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await live?.close();
    await sink?.close();
  });

  const row = (subject: string) => page.getByRole('row', { name: new RegExp(subject) });

  it('shows partly delivered mail, explains deferred mail, keeps the Account column whole', async () => {
    await expect
      .poll(async () => {
        const items = (await api('GET', '/messages')).items as { subject: string; status: string }[];
        return items.map((m) => `${m.subject}:${m.status}`).sort();
      }, { timeout: 30_000 })
      .toEqual(['Going nowhere:deferred', 'Half of it:sent']);
    await page.goto('/messages');
    const half = row('Half of it');
    await half.getByText('partly delivered').waitFor();
    expect(await half.textContent()).toContain('1 rejected');
    expect(await half.locator('.chip', { hasText: /^sent$/ }).count()).toBe(0);
    const nowhere = row('Going nowhere');
    const note = nowhere.locator('.delivery-note');
    expect(await note.textContent()).toMatch(/Nothing accepts connections on 127\.0\.0\.1:\d+/);
    expect(await note.textContent()).toMatch(/Next try/);
    // The Account column shows the whole address at 1366 px.
    const cell = half.locator('td[data-label="Account"]');
    expect(await cell.textContent()).toBe(ACCOUNT);
    await screenshot(page, '46-email-log-explained');
    expect(await cell.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    // …and the table fits its card: no column cut off at the right edge.
    const fits = await cell.evaluate((el) => el.getBoundingClientRect().right <= (el.closest('.table-wrap') as HTMLElement).getBoundingClientRect().right + 1);
    expect(fits).toBe(true);
    // No bulk action on the whole, unfiltered log.
    expect(await page.getByRole('button', { name: 'Retry all' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Cancel all' }).count()).toBe(0);
    await page.getByText('filter the log first').waitFor();
    await screenshot(page, '46-email-log-explained');
    // Nor on a filter nothing matches.
    await page.goto('/messages?status=cancelled');
    await page.getByText('No message matches these filters').first().waitFor();
    expect(await page.getByRole('button', { name: 'Retry all' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Cancel all' }).count()).toBe(0);
    expect(await page.getByText('filter the log first').count()).toBe(0);
    await screenshot(page, '46-email-log-filtered-empty');
    // Nor where it could change nothing: sent mail is neither retried nor cancelled.
    await page.goto('/messages?status=sent');
    await row('Half of it').waitFor();
    expect(await page.getByRole('button', { name: 'Retry all' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Cancel all' }).count()).toBe(0);
    // A filter that matches: both, for what it matches, and the question names the statuses.
    await page.goto('/messages?status=deferred');
    await row('Going nowhere').waitFor();
    await page.getByRole('button', { name: 'Cancel all' }).waitFor();
    await page.getByRole('button', { name: 'Retry all' }).click();
    // It says how many it takes (counted in the rows shown), and its way out says what it does.
    expect(await page.locator('.confirm-q').textContent()).toMatch(/^Retry the (one deferred message that matches|\d+ deferred messages that match)\?$/);
    await page.getByRole('group', { name: /^Retry the/ }).getByRole('button', { name: /^Leave (it|them)$/ }).click();
    // Without a status filter a bulk retry takes cancelled messages too: the question says so.
    await page.goto(`/messages?q=${encodeURIComponent('Going nowhere')}`);
    await row('Going nowhere').waitFor();
    await page.getByRole('button', { name: 'Retry all' }).click();
    expect(await page.locator('.confirm-q').textContent()).toMatch(/^Retry the (one failed, deferred, expired or cancelled message that matches|\d+ failed, deferred, expired or cancelled messages that match)\? Filter by status to leave some out\.$/);
    await screenshot(page, '46-email-log-bulk-retry-question');
    await page.getByRole('group', { name: /^Retry the/ }).getByRole('button', { name: /^Leave (it|them)$/ }).click();
    await page.getByRole('button', { name: 'Retry all' }).waitFor();
    await page.goto('/messages');

    await nowhere.getByRole('link').click();
    await page.locator('.attempt-hint').first().waitFor();
    expect(await page.locator('.attempt-hint').first().textContent()).toMatch(/Nothing accepts connections/);
    await page.getByRole('button', { name: 'Retry' }).click();
    // The retry gave the message its lifetime again, counted from that attempt: the notice says so and when it now expires.
    const notice = page.getByText(/Queued for another attempt\./);
    await notice.waitFor();
    expect(await notice.textContent()).toMatch(/It now expires .+: a retry gives the message its original lifetime again, counted from that attempt\./);
    expect(errors).toEqual([]);
  });

  it('asks before cancelling one message, and shows a recipient still waiting as never sent', async () => {
    const id = ((await api('GET', '/messages')).items as { id: string; subject: string }[]).find((m) => m.subject === 'Going nowhere')!.id;
    await expect.poll(async () => (await api('GET', `/messages/${id}`)).recipients).toMatchObject([{ status: 'deferred' }]);
    await page.goto(`/messages/${id}`);
    await page.getByRole('button', { name: 'Cancel sending' }).click();
    await page.getByText('Cancel this message? It is not sent unless someone retries it.').waitFor();
    // Not answered yes: nothing happened.
    await page.getByRole('group', { name: /^Cancel this message/ }).getByRole('button', { name: 'Keep it', exact: true }).click();
    expect((await api('GET', `/messages/${id}`)).status).toBe('deferred');
    await page.getByRole('button', { name: 'Cancel sending' }).click();
    await page.getByRole('button', { name: 'Yes, cancel sending' }).click();
    await page.getByText('Cancelled.').waitFor();
    const recipient = page.getByRole('region', { name: 'Recipients' }).getByRole('row', { name: /ops@example\.net/ });
    await expect.poll(async () => recipient.textContent()).toMatch(/cancelled\s*\(was deferred\)/);
    await screenshot(page, '46-email-log-cancelled-recipient');
    expect(errors).toEqual([]);
  });
});
