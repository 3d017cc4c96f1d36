import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, closedPort, openAdminSession, setUpApi, type AdminSession } from './harness.js';

/**
 * Things deleted by someone else while their page is open. A webhook endpoint's page, polling
 * its waiting deliveries or answering an action, finds the endpoint gone: it says so, with the
 * way back, and stops asking (no 404 every 2 seconds, no live buttons or form for something that
 * is not there). A suppression removed elsewhere is "already removed" here, and its row goes.
 * A Unicode domain fragment that is not a whole label is said to find nothing, and why.
 */
describe.runIf(chromiumAvailable())('things deleted elsewhere, in Chromium', { timeout: 120_000 }, () => {
  let s: AdminSession;
  const api = setUpApi(() => s);
  /** Someone else's DELETE, through the API (204, no body to read). */
  const deleteElsewhere = async (url: string) => {
    const res = await s.live.t.request({ method: 'DELETE', url: `/api/v1${url}` });
    expect(res.statusCode, res.body).toBe(204);
  };

  beforeAll(async () => {
    s = await openAdminSession('sqlite', { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1', MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
  }, 120_000);
  afterAll(async () => s?.close());

  const gonePage = async (id: string) => {
    const { page } = s;
    const main = page.locator('main');
    await page.getByRole('heading', { name: 'This endpoint was deleted' }).waitFor({ timeout: 15_000 });
    await page.getByRole('link', { name: /All webhooks/ }).first().waitFor();
    // Nothing left to act on: no actions, no settings form, no delivery log.
    for (const name of ['Send test event', 'Switch off', 'Delete', 'Rotate secret', 'Save']) expect(await page.getByRole('button', { name, exact: true }).count(), name).toBe(0);
    expect(await main.locator('form').count()).toBe(0);
    expect(await main.innerText()).not.toContain('Delivery log');
    // And no more asking: not one request about it in the next 5 seconds (the log polled every 2).
    const asked: string[] = [];
    page.on('request', (r) => void (r.url().includes(`/api/v1/webhooks/${id}`) && asked.push(r.url())));
    await page.waitForTimeout(5_000);
    expect(asked).toEqual([]);
  };

  it('a webhook endpoint deleted while its log polls: the page says so and stops polling', async () => {
    const port = await closedPort();
    // Nothing listens there: the test event fails and waits for its next attempt, so the log polls.
    const { id } = await api('POST', '/webhooks', { url: `http://127.0.0.1:${port}/hook`, description: 'Polled away', events: ['message.sent'] });
    const { page } = s;
    await page.goto(`/webhooks/${id}`);
    await page.getByRole('button', { name: 'Send test event' }).click();
    await page.getByRole('row', { name: /webhook\.test/ }).getByText('pending', { exact: true }).waitFor({ timeout: 20_000 });
    await deleteElsewhere(`/webhooks/${id}`);
    await gonePage(id);
    expect(s.errors).toEqual([]);
  });

  it('a webhook endpoint deleted while its page is still: the next action finds it gone', async () => {
    const { id } = await api('POST', '/webhooks', { url: 'http://127.0.0.1:9/hook', description: 'Acted on', events: ['message.sent'] });
    const { page } = s;
    await page.goto(`/webhooks/${id}`);
    await page.getByRole('heading', { name: 'Acted on' }).waitFor();
    await deleteElsewhere(`/webhooks/${id}`);
    await page.getByRole('button', { name: 'Switch off' }).click();
    await gonePage(id);
    expect(s.errors).toEqual([]);
  });

  it('a suppression removed elsewhere is "already removed" here, and its row goes', async () => {
    await api('POST', '/suppressions', { address: 'twice@example.net' });
    await api('POST', '/suppressions', { address: 'stays@example.net' });
    const { page } = s;
    await page.goto('/suppressions');
    const rows = page.locator('table tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    await deleteElsewhere('/suppressions/twice%40example.net');
    await page.getByRole('button', { name: /Remove.*twice@example\.net/ }).click();
    await page.getByRole('group', { name: 'Send to twice@example.net again?' }).getByRole('button').first().click();
    await page.getByText('twice@example.net was removed already').waitFor();
    await expect.poll(() => rows.count()).toBe(1);
    expect(await page.locator('main').innerText()).not.toContain('Not removed');

    // Someone else's refusal to remove (here: the page's own, forced) goes once the search changes.
    await page.route('**/api/v1/suppressions/stays%40example.net', (r) => r.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: { code: 'INTERNAL', message: 'Store unavailable' } }) }));
    await page.getByRole('button', { name: /Remove.*stays@example\.net/ }).click();
    await page.getByRole('group', { name: 'Send to stays@example.net again?' }).getByRole('button').first().click();
    await page.getByText('Store unavailable').waitFor();
    await page.getByLabel('Address contains').fill('example.org');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText(/No suppressed address contains/).waitFor();
    expect(await page.locator('main').innerText()).not.toContain('Store unavailable');
    await page.unroute('**/api/v1/suppressions/stays%40example.net');
    expect(s.errors).toEqual([]);
  });

  it('a search for part of a Unicode label says why it finds nothing', async () => {
    await api('POST', '/suppressions', { address: 'ann@bücher.example' });
    const { page } = s;
    await page.goto('/suppressions');
    // Said before anyone searches, beside the box.
    expect(await page.locator('main').innerText()).toMatch(/whole labels/);
    await page.getByLabel('Address contains').fill('ücher');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText(/No suppressed address contains/).waitFor();
    // The empty list says why: part of a Unicode label has no ASCII form of its own to search for.
    expect(await page.locator('.empty').innerText()).toMatch(/whole labels.*“ücher” does not/s);
    // The whole label finds it.
    await page.getByLabel('Address contains').fill('bücher');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.locator('table tbody tr').count()).toBe(1);
    expect(s.errors).toEqual([]);
  });
});
