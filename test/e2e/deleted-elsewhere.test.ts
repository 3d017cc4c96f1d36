import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';
import { chromiumAvailable, closedPort, openAdminSession, setUpApi, type AdminSession } from './harness.js';

/**
 * Things deleted by someone else while their page is open. A webhook endpoint's page, polling
 * its waiting deliveries or answering an action, finds the endpoint gone: it says so, with the
 * way back, and stops asking (no 404 every 2 seconds, no live buttons or form for something that
 * is not there). A suppression removed elsewhere is "already removed" here, and its row goes.
 * A Unicode domain fragment that is not a whole label is said to find nothing, and why.
 * The other detail pages do the same: a message still on its way that the log no longer has
 * ("This message was deleted", its 2-second polling ends; a link to one that never existed is
 * "No such message"), a server or an account deleted while its form is open (Save finds it gone),
 * a webhook delivery opened after its endpoint was deleted.
 */
/**
 * The pages' clock is Playwright's (installed before the first page of a suite loads): it runs at
 * the real pace, and the windows in which nothing may be asked are run on it instead of waited
 * for. Every timer the page has set fires as it would have in those 5 seconds (a 2-second poll
 * twice), and the requests it makes go out as they would.
 */
async function installClock(session: AdminSession) {
  await session.page.clock.install();
}

/**
 * Runs the page's timers 5 seconds on and expects no request about `path` (a prefix of the API's
 * paths) meanwhile: the page stopped polling (the log and the message polled every 2 seconds).
 * The real second after it lets any request a timer started reach the browser's network.
 */
async function asksNoMore(session: AdminSession, path: string) {
  const asked: string[] = [];
  const note = (r: { url(): string }) => void (r.url().includes(`/api/v1${path}`) && asked.push(r.url()));
  session.page.on('request', note);
  await session.page.clock.runFor(5_000);
  await session.page.waitForTimeout(1_000);
  session.page.off('request', note);
  expect(asked).toEqual([]);
}

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
    await installClock(s);
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
    await asksNoMore(s, `/webhooks/${id}`);
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
    // The delivery log loads after the heading: once it has, nothing more is asked until the action
    // (deleted before it loaded, its own 404 would end the page first, and the click find nothing).
    await page.getByText('No delivery yet').waitFor();
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
    await page.getByText(/No suppressed address contains/).first().waitFor();
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
    await page.getByText(/No suppressed address contains/).first().waitFor();
    // The empty list says why: part of a Unicode label has no ASCII form of its own to search for.
    expect(await page.locator('.empty').innerText()).toMatch(/whole labels.*“ücher” does not/s);
    // The whole label finds it.
    await page.getByLabel('Address contains').fill('bücher');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.locator('table tbody tr').count()).toBe(1);
    expect(s.errors).toEqual([]);
  });

  it('a message still on its way that the log no longer has: the page says so and stops polling', async () => {
    // Scheduled a year ahead: not final, so its page reloads it every 2 seconds.
    const { id } = await api('POST', '/messages', { to: ['later@example.net'], subject: 'Deleted while followed', text: 'x', sendAt: new Date(Date.now() + 365 * 86_400_000).toISOString() });
    // Sent after it: SQLite's retention always keeps the newest message (see deleteFinished).
    await api('POST', '/messages', { to: ['after@example.net'], subject: 'Newer', text: 'x' });
    const { page } = s;
    await page.goto(`/messages/${id}`);
    await page.getByRole('heading', { name: 'Deleted while followed' }).waitFor();
    const repos = s.live.t.app.ports.ctx.store.repos;
    const stored = await repos.messages.get(id);
    expect(stored?.status).not.toMatch(/^(sent|logged|failed|cancelled|expired)$/);
    // No API deletes a message: the store's own deletion, as the retention runs it (here of a status it would keep).
    expect((await repos.messages.deleteFinished({ statuses: [stored!.status], before: Date.now() + 60_000, limit: 100 })).deleted).toBeGreaterThanOrEqual(1);
    expect(await repos.messages.get(id)).toBeFalsy();

    await page.getByRole('heading', { name: 'This message was deleted' }).waitFor({ timeout: 15_000 });
    await page.getByRole('link', { name: /Email log/ }).first().waitFor();
    expect(await page.locator('main').innerText()).toContain('no longer has this message');
    for (const name of ['Retry', 'Cancel sending']) expect(await page.getByRole('button', { name, exact: true }).count(), name).toBe(0);
    await asksNoMore(s, `/messages/${id}`);
    expect(s.errors).toEqual([]);
  });

  it('a link to a message that never existed: "No such message", the way back, and no polling', async () => {
    const { page } = s;
    await page.goto('/messages/msg_neverwas');
    await page.getByRole('heading', { name: 'No such message' }).waitFor();
    expect(await page.getByRole('alert').innerText()).toContain('no message with this id');
    expect(await page.locator('main').getByRole('link', { name: /Email log/ }).count()).toBe(1);
    await asksNoMore(s, '/messages/msg_neverwas');
    expect(s.errors).toEqual([]);
  });

  it("a webhook delivery opened after its endpoint was deleted: the endpoint's page says so", async () => {
    // A receiver that takes it: the test event is delivered, nothing waits, so the log does not poll
    // (its polling would find the endpoint gone first). Opening the delivery is what finds it.
    const receiver = await startWebhookReceiver();
    try {
      const { id } = await api('POST', '/webhooks', { url: receiver.url, description: 'Opened late', events: ['message.sent'] });
      const { page } = s;
      await page.goto(`/webhooks/${id}`);
      await page.getByRole('button', { name: 'Send test event' }).click();
      const row = page.getByRole('row', { name: /webhook\.test/ });
      await row.getByText('succeeded', { exact: true }).waitFor({ timeout: 20_000 });
      await deleteElsewhere(`/webhooks/${id}`);
      await row.getByRole('button', { name: 'Attempts' }).click();
      await gonePage(id);
      expect(s.errors).toEqual([]);
    } finally {
      await receiver.stop();
    }
  });
});

/** Servers and accounts, which the log driver of the suite above keeps read-only: a Mailroom that sends. */
describe.runIf(chromiumAvailable())('servers and accounts deleted elsewhere, in Chromium', { timeout: 120_000 }, () => {
  let smtp: AdminSession;
  const smtpApi = setUpApi(() => smtp);
  const deleteElsewhere = async (session: AdminSession, url: string) => {
    const res = await session.live.t.request({ method: 'DELETE', url: `/api/v1${url}` });
    expect(res.statusCode, res.body).toBe(204);
  };

  beforeAll(async () => {
    smtp = await openAdminSession('sqlite');
    await installClock(smtp);
  }, 120_000);
  afterAll(async () => smtp?.close());

  it('a server deleted while its form is open: Save finds it gone, and the page says so', async () => {
    const { id } = await smtpApi('POST', '/servers', { name: 'Deleted relay', smtp: { host: 'smtp.example.com', port: 587, security: 'starttls' } });
    const { page } = smtp;
    await page.goto(`/servers/${id}`);
    const name = page.getByLabel('Name', { exact: true });
    await name.waitFor();
    await deleteElsewhere(smtp, `/servers/${id}`);
    await name.fill('Deleted relay, renamed');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'This server was deleted' }).waitFor({ timeout: 15_000 });
    await page.getByRole('link', { name: /All servers/ }).first().waitFor();
    expect(await page.locator('main form').count()).toBe(0);
    expect(await page.locator('main').innerText()).not.toContain('Not saved');
    // Leaving asks nothing: there is no unsaved work about a server that is not there.
    await page.getByRole('link', { name: /All servers/ }).first().click();
    await page.waitForURL('**/servers');
    expect(smtp.errors).toEqual([]);
  });

  it('an account deleted while its form is open: Save finds it gone, and the page says so', async () => {
    const server = await smtpApi('POST', '/servers', { name: 'Account relay', smtp: { host: 'smtp.example.com', port: 587, security: 'starttls' } });
    const { id } = await smtpApi('POST', '/accounts', { serverId: server.id, address: 'gone@example.com' });
    const { page } = smtp;
    await page.goto(`/accounts/${id}`);
    await page.getByRole('heading', { name: 'gone@example.com' }).waitFor();
    const fromName = page.getByLabel('Display name', { exact: true });
    await fromName.waitFor();
    await deleteElsewhere(smtp, `/accounts/${id}`);
    await fromName.fill('Gone');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'This account was deleted' }).waitFor({ timeout: 15_000 });
    await page.getByRole('link', { name: /All accounts/ }).first().waitFor();
    expect(await page.locator('main form').count()).toBe(0);
    await asksNoMore(smtp, `/accounts/${id}`);
    expect(smtp.errors).toEqual([]);
  });

});
