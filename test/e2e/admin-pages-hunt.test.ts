import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialog } from 'playwright-core';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { chromiumAvailable, openAdminSession, screenshot, signedInPageAt, type AdminSession } from './harness.js';
import { fillNewRule } from './rule-form.js';

/**
 * What a demanding admin found on the pages the first walk left out, each checked in Chromium:
 * the API key form starts afresh after a create (and after Cancel) instead of handing the next
 * key the last one's scopes; the layout editor says a refused layout's problem once, without the
 * API's "html:" beside the HTML field, and drops a refusal once the layout is edited; a locale
 * just added to a template opens (it could not be selected until saved); creating a template
 * with a key in use says so at the key; a rule's refusal goes once the form changes; a new webhook
 * endpoint's form starts afresh and a saved one says so; a replayed delivery offers no second
 * replay (the API refuses it) and its replay is marked, and a backwards replay range is refused in
 * the form's words; a question asked in a table row (SMTP relay: Rotate password) keeps the table
 * within the page; on a phone, the webhook events' explanations keep a line of their own while a
 * plain checkbox keeps its words beside it.
 * Screenshots: hunt-*.png.
 */
// Screenshots are taken only where docs/ui.md names them: each full-page one renders and encodes
// the whole page (0.1 to 0.4 s), and the others were named nowhere.
describe.runIf(chromiumAvailable())('pages beyond the first walk', { timeout: 120_000 }, () => {
  let s: AdminSession;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    s = await openAdminSession('sqlite', { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com', MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
  }, 120_000);
  afterAll(async () => {
    await s?.close();
    await receiver?.stop();
  });

  it('API keys: after a create, and after Cancel, the form is blank again (scope send only, no override, no expiry)', async () => {
    const { page } = s;
    await page.goto('/api-keys');
    const form = page.getByRole('form', { name: 'Create a key' });
    const scope = (name: string) => form.getByRole('checkbox', { name: new RegExp(`^${name} —`) });
    const override = form.getByRole('checkbox', { name: 'May choose the account per message' });
    const blank = async () => {
      expect(await form.getByLabel('Name', { exact: true }).inputValue()).toBe('');
      expect(await form.getByLabel('Expires on').inputValue()).toBe('');
      expect(await scope('send').isChecked()).toBe(true);
      expect(await scope('read').isChecked()).toBe(false);
      expect(await scope('admin').isChecked()).toBe(false);
      expect(await override.isChecked()).toBe(false);
      // Nothing to cancel on a blank form: no button that does nothing.
      expect(await form.getByRole('button', { name: 'Cancel' }).count()).toBe(0);
    };
    await blank();
    await form.getByLabel('Name', { exact: true }).fill('ops-admin');
    await scope('admin').check();
    await scope('read').check();
    await scope('send').uncheck();
    await override.check();
    const d = new Date(Date.now() + 10 * 86_400_000);
    await form.getByLabel('Expires on').fill(`${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`);
    await form.getByRole('button', { name: 'Create key' }).click();
    await page.getByLabel('The new API key').waitFor();
    await blank();
    await screenshot(page, 'hunt-01-api-key-form-after-create');
    const keys = (await s.live.t.request({ method: 'GET', url: '/api/v1/api-keys' })).json().items as { name: string; scopes: string[]; allowOverride: boolean }[];
    expect(keys.find((k) => k.name === 'ops-admin')).toMatchObject({ scopes: expect.arrayContaining(['admin', 'read']), allowOverride: true });
    // Put away: a key shown once and not copied asks before the next one replaces it (shown-once-and-switches.test.ts).
    await page.getByTestId('new-api-key').getByRole('button', { name: 'Done' }).click();

    // Cancel throws away what was chosen.
    await form.getByLabel('Name', { exact: true }).fill('half-made');
    await scope('admin').check();
    await override.check();
    await form.getByRole('button', { name: 'Cancel' }).click();
    await blank();
    // The next key gets what its form says, not the last key's scopes.
    await form.getByLabel('Name', { exact: true }).fill('plain-sender');
    await form.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('heading', { name: 'New key “plain-sender”' }).waitFor();
    const plain = ((await s.live.t.request({ method: 'GET', url: '/api/v1/api-keys' })).json().items as { name: string; scopes: string[]; allowOverride: boolean }[]).find((k) => k.name === 'plain-sender');
    expect(plain).toMatchObject({ scopes: ['send'], allowOverride: false });
  });

  it('layout editor: a layout without {{ content }} is refused with its words once beside the HTML field; an edit clears the refusal', async () => {
    const { page } = s;
    await page.goto('/templates/layouts/default');
    const html = page.locator('#layout-html');
    await html.waitFor();
    const original = await html.inputValue();
    await html.fill('<p>Our letterhead, and no body</p>');
    await page.getByRole('button', { name: 'Save layout' }).click();
    const notSaved = page.getByRole('alert').filter({ hasText: 'Not saved:' });
    await notSaved.waitFor();
    const beside = page.locator('#layout-html-error');
    await beside.getByText('must place the body with {{ content }}').waitFor();
    // The label says HTML; the API's "html:" in front of the words beside it said it again.
    expect(await beside.innerText()).toMatch(/^must place the body/);
    expect(await html.getAttribute('aria-invalid')).toBe('true');
    const text = await page.locator('main').innerText();
    expect(text).not.toMatch(/html:\s*html:/i);
    // The summary and the preview each say it once, with the field it is about.
    // …as the editor labels it (HTML), not as the API's field name (html).
    expect((await notSaved.innerText()).match(/html:/gi)).toHaveLength(1);
    expect((await page.getByTestId('preview-error').innerText()).match(/html:/gi)).toHaveLength(1);
    expect(await notSaved.innerText()).toContain('HTML:');
    await screenshot(page, 'hunt-02-layout-refused');

    // Edited back into a layout that places the body: the refusal no longer describes the form.
    await html.fill(original);
    await expect.poll(() => notSaved.count(), { timeout: 5_000 }).toBe(0);
    // The live preview judges the new draft a moment after typing stops.
    await expect.poll(() => page.locator('#layout-html-error').count(), { timeout: 10_000 }).toBe(0);
    expect(await html.getAttribute('aria-invalid')).toBeNull();
    await page.getByTestId('preview-subject').waitFor();
  });

  it('templates: a key in use is refused at the key; a locale just added opens, is edited and saved', async () => {
    const { page } = s;
    await page.goto('/templates');
    const form = page.getByRole('form', { name: 'New template' });
    await form.getByLabel('Key', { exact: true }).fill('password_reset');
    await form.getByLabel('Name', { exact: true }).fill('My reset');
    await form.getByRole('button', { name: 'Create and edit' }).click();
    await form.locator('#new-tpl-key-error').getByText('a template with the key password_reset exists already').waitFor();
    expect(await form.getByLabel('Key', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    // The API's words to integrators ("send the version you read") are not what someone creating a template needs.
    expect(await page.locator('main').innerText()).not.toContain('send the version you read');
    expect(await form.getByLabel('Name', { exact: true }).inputValue()).toBe('My reset');

    await form.getByLabel('Key', { exact: true }).fill('weekly_digest');
    await form.getByRole('button', { name: 'Create and edit' }).click();
    await page.waitForURL('**/templates/weekly_digest');
    await page.locator('#tpl-en-subject').waitFor();
    await page.getByLabel('New locale').fill('FR');
    await page.getByRole('button', { name: 'Add locale' }).click();
    // The new locale is the one shown, to translate (it used to stay on "en" until saved, and its tab did nothing).
    await page.getByRole('tab', { name: 'fr', selected: true }).waitFor();
    const subject = page.locator('#tpl-fr-subject');
    await subject.waitFor();
    expect(await subject.inputValue()).toBe('{{ brand.name }}: {{ title }}');
    await subject.fill('{{ brand.name }} : {{ title }} (fr)');
    await page.getByRole('heading', { name: 'Preview (fr)' }).waitFor();
    await page.getByRole('tab', { name: 'en' }).click();
    await page.locator('#tpl-en-subject').waitFor();
    await page.getByRole('tab', { name: 'fr' }).click();
    expect(await page.locator('#tpl-fr-subject').inputValue()).toBe('{{ brand.name }} : {{ title }} (fr)');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved as version 2.').waitFor();
    const saved = (await s.live.t.request({ method: 'GET', url: '/api/v1/templates/weekly_digest' })).json() as { locales: Record<string, { subject: string }> };
    expect(saved.locales.fr.subject).toBe('{{ brand.name }} : {{ title }} (fr)');
  });

  it('rules: a refused address is shown at its field until the field is corrected; a save says so', async () => {
    const { page } = s;
    await fillNewRule(page, { name: 'Audit', events: 'access.request.*', addresses: 'audit@example.com, nope' });
    await page.getByRole('button', { name: 'Create rule' }).click();
    const beside = page.locator('#rule-addresses-err');
    await beside.getByText('"nope" is not accepted').waitFor();
    expect(await page.getByLabel('Fixed addresses').getAttribute('aria-invalid')).toBe('true');
    // Said once, beside the field: not again under the form with the API's field path.
    expect(await page.getByText('Not saved:').count()).toBe(0);
    expect(await page.getByText('recipients.addresses').count()).toBe(0);
    await page.getByLabel('Fixed addresses').fill('audit@example.com');
    // The form no longer holds "nope": neither the field nor the summary may still say so.
    await expect.poll(() => beside.count(), { timeout: 5_000 }).toBe(0);
    expect(await page.getByText('Not saved:').count()).toBe(0);
    expect(await page.getByLabel('Fixed addresses').getAttribute('aria-invalid')).toBeNull();
    await page.getByRole('button', { name: 'Create rule' }).click();
    await page.waitForURL(/\/rules\/rul_/);
    // A saved change says so (the form starts afresh from the saved version, and said nothing), until the form changes again.
    await page.getByRole('button', { name: 'Save rule' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Audit trail');
    await page.getByRole('button', { name: 'Save rule' }).click();
    await page.getByText('Saved.', { exact: true }).waitFor();
    await page.getByRole('heading', { name: 'Audit trail', level: 1 }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Audit trail, edited');
    expect(await page.getByText('Saved.', { exact: true }).count()).toBe(0);
  });

  it('rules: a refused condition is shown at its row, in words, and goes once the row is edited', async () => {
    const { page } = s;
    // The test before leaves its rule edited and unsaved: leaving it asks first (the leave guard).
    // A question already gone when answered is nothing to accept.
    const leave = (d: Dialog) => void d.accept().catch(() => undefined);
    page.on('dialog', leave);
    // Under load a navigation held by the leave question is reported aborted (net::ERR_ABORTED,
    // twice in a row in one full run) whether or not it then went on: go again until the page is
    // the new rule's.
    for (let tries = 1; !page.url().endsWith('/rules/new'); tries++) {
      await page.goto('/rules/new').catch((err: unknown) => {
        if (tries >= 5 || !String(err).includes('ERR_ABORTED')) throw err;
      });
    }
    page.off('dialog', leave);
    await page.getByLabel('Name', { exact: true }).fill('Regex');
    await page.getByLabel('Event types').fill('access.request.*');
    await page.getByRole('button', { name: 'Add condition' }).click();
    await page.getByLabel('Condition 1 field').fill('data.host');
    await page.getByLabel('Condition 1 operator').selectOption('matches');
    await page.getByLabel('Condition 1 value').fill('(db');
    await page.getByLabel('Roles').fill('approver');
    await page.getByLabel('Template', { exact: true }).selectOption('access_request');
    await page.getByRole('button', { name: 'Create rule' }).click();
    await page.locator('#rule-cond-0-err').getByText('is not a regular expression').waitFor();
    expect(await page.getByLabel('Condition 1 value').getAttribute('aria-invalid')).toBe('true');
    // The refusal is far above the button: the cursor goes to the field at fault (which scrolls it into view).
    await expect.poll(() => page.getByLabel('Condition 1 value').evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await page.getByLabel('Condition 1 value').getAttribute('aria-describedby')).toBe('rule-cond-0-err');
    expect(await page.getByText('conditions[0]').count()).toBe(0);
    expect(await page.getByText('Not saved:').count()).toBe(0);
    // A field that is not one of an event's: said at the row's field.
    await page.getByLabel('Condition 1 value').fill('^db');
    await expect.poll(() => page.locator('#rule-cond-0-err').count()).toBe(0);
    await page.getByLabel('Condition 1 field').fill('host');
    await page.getByRole('button', { name: 'Create rule' }).click();
    await page.locator('#rule-cond-0-err').getByText('"host" is not a field of an event').waitFor();
    expect(await page.getByLabel('Condition 1 field').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('Condition 1 value').getAttribute('aria-invalid')).toBeNull();
    await page.getByLabel('Condition 1 field').fill('data.host');
    await page.getByRole('button', { name: 'Create rule' }).click();
    await page.waitForURL(/\/rules\/rul_/);
  });

  it('webhooks: a new endpoint form starts afresh; a saved change says so; a replayed delivery offers no second replay and its replay is marked', async () => {
    const { page } = s;
    await page.goto('/webhooks');
    const form = page.getByRole('form', { name: 'Add an endpoint' });
    const ticked = () => form.getByRole('checkbox', { checked: true }).evaluateAll((boxes) => boxes.map((b) => b.closest('label')?.querySelector('code')?.textContent));
    await form.getByLabel('URL').waitFor();
    expect(await ticked()).toEqual(['message.sent', 'message.failed']);
    await form.getByLabel('URL').fill(receiver.url);
    await form.getByLabel('Description').fill('Billing');
    await form.getByRole('checkbox', { name: /message\.bounced/ }).check();
    await form.getByRole('checkbox', { name: /message\.sent/ }).uncheck();
    await form.getByRole('button', { name: 'Create endpoint' }).click();
    const secret = page.getByLabel('The webhook signing secret', { exact: true });
    await secret.waitFor();
    receiver.secrets = [((await secret.textContent()) ?? '').trim()];
    // The next endpoint is not silently subscribed to the last one's events.
    expect(await ticked()).toEqual(['message.sent', 'message.failed']);
    expect(await form.getByLabel('URL').inputValue()).toBe('');
    await page.getByRole('button', { name: 'Done' }).click();

    await page.getByRole('link', { name: 'Billing' }).click();
    // A saved change says so (the form starts afresh from the saved version, and said nothing).
    const settings = page.getByRole('form', { name: 'Settings' });
    await settings.getByLabel('Description').fill('Billing service');
    await settings.getByRole('button', { name: 'Save' }).click();
    await settings.getByText('Saved.', { exact: true }).waitFor();
    await page.getByRole('heading', { name: 'Billing service', level: 1 }).waitFor();
    expect(await settings.getByLabel('Description').inputValue()).toBe('Billing service');
    await settings.getByLabel('Description').fill('Billing service, edited');
    expect(await settings.getByText('Saved.', { exact: true }).count()).toBe(0);
    await settings.getByLabel('Description').fill('Billing service');
    await page.getByRole('button', { name: 'Send test event' }).click();
    const rows = page.locator('tbody tr').filter({ hasText: 'webhook.test' });
    await rows.first().getByText('succeeded', { exact: true }).waitFor({ timeout: 20_000 });
    await rows.first().getByRole('button', { name: 'Replay' }).click();
    await page.getByText(/Replay of webhook\.test queued/).waitFor();
    await expect.poll(() => rows.getByText('succeeded', { exact: true }).count(), { timeout: 20_000 }).toBe(2);
    const replay = rows.filter({ has: page.locator('.badge', { hasText: 'replay' }) });
    const original = rows.filter({ hasText: 'replayed' });
    await original.waitFor();
    // The API refuses a second replay of the same delivery (409): no button that can only fail.
    expect(await original.getByRole('button', { name: 'Replay' }).count()).toBe(0);
    expect(await replay.getByRole('button', { name: 'Replay' }).count()).toBe(1);
    expect(await page.getByText('Not replayed').count()).toBe(0);
    await screenshot(page, 'hunt-04-webhook-replayed');

    // A range that ends before it starts is refused in the words of the form (From, Until).
    await page.getByLabel('From').fill('2026-03-05T10:00');
    await page.getByLabel('Until (empty: now)').fill('2026-03-01T10:00');
    await page.getByRole('button', { name: 'Replay failed deliveries' }).click();
    // In the Replay card, at Until (not above the delivery log, out of view).
    await page.getByRole('form', { name: 'Replay failed deliveries' }).locator('#wh-until-error').getByText('“Until” must be after “From”.').waitFor();
    expect(await page.getByText('must be after since').count()).toBe(0);
  });

  it('a question asked in a table row stays within the table (SMTP relay: Rotate password)', async () => {
    const { page } = s;
    const res = await s.live.t.request({ method: 'POST', url: '/api/v1/smtp-credentials', payload: { name: 'Billing app', allowedFrom: ['billing@example.com'] } });
    expect(res.statusCode, res.body).toBe(201);
    await page.goto('/smtp-relay');
    const row = page.getByRole('row', { name: /billing-app/ });
    await row.getByRole('button', { name: 'Rotate password' }).click();
    await row.getByRole('group', { name: /New password for “Billing app”/ }).getByRole('button', { name: 'Cancel' }).waitFor();
    // The question did not wrap: the table grew past the page and scrolled sideways, cutting off the application's name.
    const [scrollWidth, clientWidth, scrollLeft] = await page.locator('.table-wrap').first().evaluate((e) => [e.scrollWidth, e.clientWidth, e.scrollLeft]);
    expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
    expect(scrollLeft).toBe(0);
    // The first is the name's own cell (the row's buttons name it too, for screen readers).
    expect(await row.getByText('Billing app', { exact: true }).first().isVisible()).toBe(true);
    await screenshot(page, 'hunt-06-relay-rotate-question');
    await page.keyboard.press('Escape');
  });

  it('on a phone, each webhook event keeps its explanation on a line of its own, not in a ragged column', async () => {
    // Signed in with the session's cookie: signing in is admin-ui.test.ts's to check.
    const phone = await signedInPageAt(s, { width: 375, height: 800 });
    try {
      await phone.page.goto('/webhooks');
      const events = phone.page.getByRole('group', { name: 'Events' });
      await events.waitFor();
      const widths = await events.locator('label .muted').evaluateAll((spans) => spans.map((e) => e.getBoundingClientRect().width));
      expect(widths.length).toBeGreaterThan(5);
      // Squeezed beside "message.suppressed" the explanation was about 130 px wide, four lines high.
      for (const w of widths) expect(w).toBeGreaterThan(250);
      expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      // The list's "12 delivered · 1 failed · 3 waiting" wraps inside its stacked row instead of running over its edge.
      const counts = phone.page.locator('td[data-label="Last 24 h"]');
      expect(await counts.count()).toBeGreaterThan(0);
      for (const over of await counts.evaluateAll((cells) => cells.map((td) => (td.lastElementChild as HTMLElement).getBoundingClientRect().right - td.getBoundingClientRect().right))) expect(over).toBeLessThanOrEqual(0);
      await screenshot(phone.page, 'hunt-05-phone-webhook-events');
      // A plain checkbox whose label wraps keeps its words beside the box, not on a line below it.
      await phone.page.goto('/rules/new');
      const cont = phone.page.getByRole('checkbox', { name: /^Continue: later matching rules mail too/ });
      await cont.waitFor();
      const [boxRight, textLeft] = await cont.evaluate((box) => {
        const words = [...(box.closest('label') as HTMLElement).childNodes].filter((n) => n.nodeType === Node.TEXT_NODE && n.textContent?.trim());
        const range = document.createRange();
        range.selectNodeContents(words[0]);
        return [box.getBoundingClientRect().right, range.getClientRects()[0].left];
      });
      expect(textLeft).toBeGreaterThan(boxRight);
      expect(phone.errors).toEqual([]);
    } finally {
      await phone.context.close();
    }
    expect(s.errors).toEqual([]);
  });
});
