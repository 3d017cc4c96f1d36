import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { chromiumAvailable, openAdminSession, screenshot, signedInPageAt, type AdminSession } from './harness.js';

/**
 * The Webhooks page in Chromium against a real Mailroom and a receiver that verifies every
 * request with the standardwebhooks library: create an endpoint (the secret shown once), send a
 * test event, see the attempt with the receiver's answer, replay it (same webhook-id), and see a
 * failing endpoint's warning. Screenshots: webhooks-*.png.
 */
// Screenshots are taken only where docs/ui.md names them: each full-page one renders and encodes
// the whole page (0.1 to 0.4 s), and the others were named nowhere.
describe.runIf(chromiumAvailable())('webhooks in the admin UI', { timeout: 120_000 }, () => {
  let s: AdminSession;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    // The workers are started here rather than by startWorkers, for the webhook runner's tuning:
    // it polls every 100 ms instead of every second, and a test event or a replay (which wake no
    // runner) goes out that much sooner. What the pages show of it is the same.
    s = await openAdminSession('sqlite', { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' }, config: { runWorkers: false } });
    await s.live.t.app.startDelivery();
    await s.live.t.app.startWebhooks({ pollMs: 100 });
  }, 120_000);
  afterAll(async () => {
    await s?.close();
    await receiver?.stop();
  });

  it('creates an endpoint, sends a test event, shows the attempt and replays it', async () => {
    const { page } = s;
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByText('No webhook endpoint yet').waitFor();

    // The network policy's refusal appears at the URL field.
    await page.getByLabel('URL').fill('http://169.254.169.254/latest/meta-data/');
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    await page.locator('.field-error').getByText(/169\.254\.169\.254 \(metadata\): webhooks may not be sent there/).waitFor();
    await screenshot(page, 'webhooks-02-refused-url');

    await page.getByLabel('URL').fill(receiver.url);
    await page.getByLabel('Description').fill('Orders service');
    await page.getByRole('checkbox', { name: /message\.deferred/ }).check();
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    const secretBox = page.getByLabel('The webhook signing secret', { exact: true });
    await secretBox.waitFor();
    const secret = ((await secretBox.textContent()) ?? '').trim();
    expect(secret).toMatch(/^whsec_/);
    // Shown above the list, far from the button: it takes the focus, which brings it into view.
    expect(await secretBox.evaluate((el) => el.closest('section')?.contains(document.activeElement))).toBe(true);
    expect(await secretBox.evaluate((el) => el.getBoundingClientRect().top >= 0 && el.getBoundingClientRect().bottom <= window.innerHeight)).toBe(true);
    receiver.secrets = [secret];
    await screenshot(page, 'webhooks-03-created-secret-once');
    await page.getByRole('button', { name: 'Done' }).click();
    // Done leaves the focus on the new endpoint's row, not the page's start.
    await expect.poll(() => page.evaluate(() => document.activeElement?.closest('tr')?.textContent ?? '')).toContain('Orders service');
    await page.reload();
    await page.getByRole('link', { name: 'Orders service' }).waitFor();
    expect(await page.content()).not.toContain(secret.slice(6));

    await page.getByRole('link', { name: 'Orders service' }).click();
    await page.getByRole('heading', { name: 'Orders service' }).waitFor();
    await page.getByRole('button', { name: 'Send test event' }).click();
    await page.getByText('Test event queued').waitFor();
    const row = page.getByRole('row', { name: /webhook\.test/ });
    await row.getByText('succeeded', { exact: true }).waitFor({ timeout: 20_000 });
    await row.getByRole('button', { name: 'Attempts' }).click();
    const attempt = page.locator('.delivery-detail .attempt').first();
    await attempt.getByText('HTTP 204').waitFor();
    await expect.poll(() => receiver.delivered().length).toBe(1);
    await screenshot(page, 'webhooks-04-test-event-attempt');

    await row.getByRole('button', { name: 'Replay' }).click();
    await page.getByText(/Replay of webhook\.test queued/).waitFor();
    await expect.poll(() => page.getByRole('row', { name: /webhook\.test/ }).getByText('succeeded', { exact: true }).count(), { timeout: 20_000 }).toBe(2);
    await expect.poll(() => receiver.delivered().length).toBe(2);
    const [first, again] = receiver.delivered();
    expect(again.id).toBe(first.id);
    expect(again.body).toBe(first.body);
    await screenshot(page, 'webhooks-05-replayed');
    expect(s.errors).toEqual([]);
  });

  it('shows a failing endpoint with a warning, the receiver\'s answer and the health in the list', async () => {
    const { page } = s;
    receiver.reply = () => ({ status: 503, headers: { 'retry-after': '600' }, body: '{"error":"down for maintenance"}' });
    await page.getByRole('button', { name: 'Send test event' }).click();
    await page.getByText(/Warning:.*every attempt since/).waitFor({ timeout: 20_000 });
    const row = page.getByRole('row', { name: /HTTP 503; Retry-After 600 s/ });
    await row.waitFor();
    await row.getByRole('button', { name: 'Attempts' }).click();
    await page.locator('.delivery-detail').getByText('down for maintenance').waitFor();
    await screenshot(page, 'webhooks-06-failing-detail');
    await page.getByRole('link', { name: '← All webhooks' }).click();
    await page.getByText(/Warning:.*needs attention/).waitFor();
    await page.getByRole('row', { name: /Orders service/ }).getByText('failing', { exact: true }).waitFor();
    await screenshot(page, 'webhooks-07-list-failing');

    // Signed in with the session's cookie: the phone page is about the webhook pages, signing in is admin-ui.test.ts's.
    const phone = await signedInPageAt(s, { width: 390, height: 844 });
    await phone.page.goto('/webhooks');
    await phone.page.getByRole('row', { name: /Orders service/ }).getByRole('link', { name: 'Orders service' }).click();
    await phone.page.getByText(/Warning:/).waitFor();
    await screenshot(phone.page, 'webhooks-08-phone-detail');
    await phone.context.close();
    expect(s.errors).toEqual([]);
    expect(phone.errors).toEqual([]);
  });
});
