import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, openAdminSession, screenshot, watchContentSecurity, type AdminSession } from './harness.js';

/**
 * The Suppressions page in Chromium: entries with their reason and note, a search, an address
 * added by hand (then refused a second time, with the API's words), one removed; and a send to a
 * listed address shown `suppressed` in the email log.
 */
const run = chromiumAvailable();

describe.runIf(run)('Suppressions page in Chromium', { timeout: 90_000 }, () => {
  let s: AdminSession;
  let violations: string[];
  const api = async (method: string, url: string, payload?: unknown) => {
    const res = await s.live.t.request({ method: method as 'POST', url: `/api/v1${url}`, payload: payload as Record<string, unknown> });
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.json();
  };

  beforeAll(async () => {
    s = await openAdminSession('sqlite', { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
    violations = await watchContentSecurity(s.page);
    await api('POST', '/suppressions', { address: 'gone@example.net', detail: 'mailbox closed (5.1.1 reported by phone)' });
    await api('POST', '/suppressions', { address: 'holiday@example.org', detail: 'asked for a pause', expiresAt: '2099-01-01T00:00:00Z' });
  });
  afterAll(async () => s?.close());

  it('lists, searches, adds and removes suppressed addresses', async () => {
    const { page } = s;
    await page.goto('/suppressions');
    const rows = page.locator('table tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    await expect.poll(() => rows.first().innerText()).toContain('added by hand');
    expect(await rows.first().innerText()).toContain('mailbox closed');

    await page.getByLabel('Address', { exact: true }).fill('former@example.net');
    await page.getByLabel('Note (optional)').fill('left the company');
    await page.getByRole('button', { name: 'Suppress' }).click();
    await expect.poll(() => rows.count()).toBe(3);
    await page.getByLabel('Address', { exact: true }).fill('FORMER@example.net');
    await page.getByRole('button', { name: 'Suppress' }).click();
    // Said at the Address field (once, in the list's words).
    await expect.poll(() => page.locator('#supp-address-error').innerText()).toContain('is on the suppression list already');
    await screenshot(page, 'suppressions');

    await page.getByLabel('Address contains').fill('example.org');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => rows.count()).toBe(1);
    await page.getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('group', { name: 'Send to holiday@example.org again?' }).getByRole('button').first().click();
    await expect.poll(async () => (await api('GET', '/suppressions')).items.map((x: { address: string }) => x.address)).toEqual(['former@example.net', 'gone@example.net']);
    const audit = await api('GET', '/audit?targetType=suppression');
    expect(audit.items.map((a: { action: string }) => a.action)).toContain('suppression.remove');
  });

  it('shows a message to a listed address as suppressed in the email log', async () => {
    const { id } = await api('POST', '/messages', { to: ['gone@example.net'], subject: 'Not for you', text: 'x' });
    await s.page.goto(`/messages/${id}`);
    await expect.poll(() => s.page.locator('main').innerText()).toContain('suppressed');
    expect(await s.page.locator('main').innerText()).toContain('gone@example.net is suppressed (manual');
    // Nothing will ever be tried: the Attempts card says why instead of "No attempt yet".
    const attempts = s.page.getByRole('region', { name: 'Attempts' });
    expect(await attempts.innerText()).toContain('No attempt: every recipient is on the suppression list, so nothing is sent.');
    expect(await attempts.innerText()).not.toContain('yet');
    await screenshot(s.page, 'suppressed-message');
    expect(violations).toEqual([]);
    expect(s.errors).toEqual([]);
  });
});
