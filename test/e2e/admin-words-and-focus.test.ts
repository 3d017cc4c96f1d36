import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, openAdminSession, screenshot, setUpApi, type AdminSession } from './harness.js';

/**
 * Admin pages say what happened where it happened, in the form's words: a removed suppression
 * leaves the list (and the refusal it made stale goes); an event page and the events list say why
 * a rule sent nothing with the template's field as its editor names it; a refused dry run names
 * the rule form's field; an account's own fields say their refusal beside them; a retry delay
 * that is not a whole number is said at its field and nothing is sent; "Load older entries"
 * keeps the keyboard's place; the email log's date filters show their time whole; and the
 * server page's test email says it uses the saved settings, and that unsaved edits are not used.
 * Screenshots: words-focus-*.png.
 */
describe.runIf(chromiumAvailable())('admin words and focus', { timeout: 180_000 }, () => {
  let s: AdminSession;
  let serverId: string;
  let accountId: string;
  const api = setUpApi(() => s);

  beforeAll(async () => {
    s = await openAdminSession('sqlite');
    serverId = (await api('POST', '/servers', { name: 'Relay', smtp: { host: 'smtp.example.com', port: 587, security: 'starttls' } })).id;
    accountId = (await api('POST', '/accounts', { serverId, address: 'app@example.com' })).id;
  }, 180_000);
  afterAll(async () => s?.close());

  it('Suppressions: Remove takes the row away, and the stale "listed already" refusal goes', async () => {
    const { page } = s;
    await api('POST', '/suppressions', { address: 'gone@example.net' });
    await api('POST', '/suppressions', { address: 'stays@example.net' });
    await page.goto('/suppressions');
    const rows = page.locator('table tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    await page.getByLabel('Address', { exact: true }).fill('gone@example.net');
    await page.getByRole('button', { name: 'Suppress' }).click();
    await expect.poll(() => page.locator('#supp-address-error').count()).toBe(1);

    await page.getByRole('button', { name: 'Remove gone@example.net' }).click();
    await page.getByRole('group', { name: 'Send to gone@example.net again?' }).getByRole('button').first().click();
    // Gone from the page without a reload, as from the API.
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().innerText()).toContain('stays@example.net');
    // The address is listed no more: "on the suppression list already" would be false now.
    expect(await page.locator('#supp-address-error').count()).toBe(0);
    expect(await page.getByText('on the suppression list already').count()).toBe(0);
    await screenshot(page, 'words-focus-01-suppression-removed');
  });

  it('Events: why a rule sent nothing names the template field, not the API path', async () => {
    const { page } = s;
    await api('PUT', '/templates/needs_user', {
      name: 'Needs a user',
      layout: 'default',
      sampleData: { user: { name: 'Rita' } },
      locales: { en: { subject: 'Hello {{ user.name }}', html: '<p>Hello {{ user.name }}</p>', text: null } },
    });
    await api('POST', '/rules', { name: 'Greets the user', events: ['user.created'], recipients: { addresses: ['audit@example.com'] }, template: 'needs_user' });
    const { id } = await api('POST', '/events', { type: 'user.created', data: {} });
    await page.goto(`/events/${id}`);
    const rules = page.getByRole('region', { name: 'Rules that matched' });
    await expect.poll(() => rules.innerText()).toContain('sent nothing');
    const words = await rules.innerText();
    expect(words).not.toContain('locales.');
    expect(words).toMatch(/the template’s (Subject|HTML|Text) \(en\)/);
    await screenshot(page, 'words-focus-02-event-sent-nothing');

    await page.goto('/events');
    const badge = page.locator('table tbody tr').first().getByText('Greets the user');
    await badge.waitFor();
    const title = await badge.getAttribute('title');
    expect(title).toMatch(/the template’s (Subject|HTML|Text) \(en\)/);
    expect(title).not.toContain('locales.');
  });

  it('Rules: a refused dry run names the form field, not rule.name', async () => {
    const { page } = s;
    await page.goto('/rules/new');
    await page.getByLabel('Event (JSON)').fill(JSON.stringify({ type: 'user.created', data: {} }));
    await page.getByRole('button', { name: 'Run dry run' }).click();
    const box = page.getByRole('region', { name: 'Dry run' }).getByRole('alert');
    await box.waitFor();
    const words = await box.innerText();
    expect(words).not.toContain('rule.');
    expect(words).toMatch(/Name: /);

    await page.getByLabel('Name').fill('Two addresses');
    await page.getByLabel('Event types').fill('user.created');
    await page.getByLabel('Fixed addresses').fill('audit@example.com, not an address');
    await page.getByRole('button', { name: 'Run dry run' }).click();
    await expect.poll(() => box.innerText()).toContain('Fixed addresses');
    expect(await box.innerText()).not.toContain('rule.');
    await screenshot(page, 'words-focus-03-dry-run-refused');
  });

  it('Account: a refused Reply-To is said at its field', async () => {
    const { page } = s;
    await page.goto(`/accounts/${accountId}`);
    const form = page.getByRole('form', { name: 'Edit account app@example.com' });
    const replyTo = form.getByLabel('Reply-To');
    await replyTo.fill('not an address <<');
    await form.getByRole('button', { name: 'Save changes' }).click();
    const err = form.locator(`#acc-${accountId}-replyto-error`);
    await expect.poll(() => err.count()).toBe(1);
    expect(await err.innerText()).not.toContain('replyTo');
    expect(await replyTo.getAttribute('aria-invalid')).toBe('true');
    // Once, at the field: no "Not saved" box with the API's key under the form.
    expect(await form.getByText('replyTo').count()).toBe(0);
    expect(await form.getByRole('alert').filter({ hasText: 'Not saved' }).count()).toBe(0);
    await screenshot(page, 'words-focus-04-account-reply-to');
  });

  it('Server: a retry delay that is not a whole number, or a duration out of its limits, is said at its field, and nothing is sent', async () => {
    const { page } = s;
    const sent: string[] = [];
    const onRequest = (r: { method(): string; url(): string }) => {
      if (r.method() === 'PATCH' && r.url().includes(`/servers/${serverId}`)) sent.push(r.url());
    };
    page.on('request', onRequest);
    try {
      await page.goto(`/servers/${serverId}`);
      const form = page.getByRole('form', { name: 'Edit server Relay' });
      await form.getByText('Retries and expiry').click();
      const backoff = form.getByLabel('First retries after (s)');
      await backoff.fill('5, 30s, 300');
      const err = form.locator('.field-error').filter({ hasText: '30s' });
      await expect.poll(() => err.count()).toBe(1);
      expect(await err.innerText()).toContain('‘30s’ is not a whole number of seconds');
      expect(await backoff.getAttribute('aria-invalid')).toBe('true');
      await form.getByRole('button', { name: 'Save changes' }).click();
      await page.waitForTimeout(500);
      expect(sent).toEqual([]);
      expect(await page.getByText('not null').count()).toBe(0);
      await screenshot(page, 'words-focus-05-backoff-typed');
      await backoff.fill('5, 30, 300');
      await expect.poll(() => err.count()).toBe(0);

      // The durations too: said in the unit on screen at their field, and nothing is sent (the
      // API's refusal spoke in seconds).
      const every = form.getByLabel('Then every');
      await every.locator('..').locator('select').selectOption({ label: 'seconds' });
      await every.fill('90.5');
      const everyErr = form.locator(`#${await every.getAttribute('id')}-error`);
      await expect.poll(() => everyErr.innerText().catch(() => '')).toBe('must be a whole number of seconds: it is 90.5 seconds');
      expect(await every.getAttribute('aria-invalid')).toBe('true');
      const giveUp = form.getByLabel('Give up after');
      await giveUp.locator('..').locator('select').selectOption({ label: 'days' });
      await giveUp.fill('31');
      const giveUpErr = form.locator(`#${await giveUp.getAttribute('id')}-error`);
      await expect.poll(() => giveUpErr.innerText().catch(() => '')).toBe('must be at most 30 days: it is 31 days');
      await form.getByRole('button', { name: 'Save changes' }).click();
      await page.waitForTimeout(500);
      expect(sent).toEqual([]);
      await screenshot(page, 'words-focus-05b-durations-typed');
      // Corrected, both go, and the save is sent with the whole seconds.
      await every.fill('90');
      await giveUp.fill('2');
      await expect.poll(async () => (await everyErr.count()) + (await giveUpErr.count())).toBe(0);
      await form.getByRole('button', { name: 'Save changes' }).click();
      await expect.poll(() => sent.length).toBe(1);
      await expect.poll(async () => (await api('GET', `/servers/${serverId}`)).retry).toMatchObject({ intervalSec: 90, expireAfterSec: 172_800 });
    } finally {
      page.off('request', onRequest);
    }
  });

  it('Server: the test email says it uses the saved settings, and that unsaved changes are not used', async () => {
    const { page } = s;
    await page.goto(`/servers/${serverId}`);
    const card = page.getByRole('region', { name: 'Send test email' });
    await expect.poll(() => card.innerText()).toContain('saved settings');
    expect(await card.innerText()).not.toContain('unsaved changes');
    const form = page.getByRole('form', { name: 'Edit server Relay' });
    const host = form.getByLabel('SMTP host', { exact: true });
    await host.fill('smtp2.example.com');
    await expect.poll(() => card.innerText()).toContain('unsaved changes');
    expect(await card.innerText()).toContain('does not use them');
    await screenshot(page, 'words-focus-06-test-email-unsaved');
    // Back to the saved value: nothing unsaved to warn about.
    await host.fill('smtp.example.com');
    await expect.poll(() => card.innerText()).not.toContain('unsaved changes');
  });

  it('Email log: the date filters show their time whole at 1280 and 390 px', async () => {
    const { page } = s;
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto('/messages');
      const from = page.getByLabel('From', { exact: true });
      await from.waitFor();
      // "dd/mm/yyyy, --:-- --" needs about 14rem: one 150–190 px column cut its time off.
      expect((await from.boundingBox())!.width).toBeGreaterThanOrEqual(14 * 16 - 1);
      await screenshot(page, `words-focus-07-log-dates-${width}`);
    }
    await page.setViewportSize({ width: 1366, height: 900 });
  });

  it('Audit: "Load older entries" keeps the keyboard focus, then moves it to the first new entry', async () => {
    const { page } = s;
    // More than one page (50) of entries.
    for (let i = 0; i < 55; i += 1) await api('POST', '/suppressions', { address: `many${i}@example.net` });
    await page.goto('/audit');
    const button = page.getByRole('button', { name: 'Load older entries' });
    await button.waitFor();
    await button.focus();
    await page.keyboard.press('Enter');
    // While loading, and once the last page is in and the button gone: never the page's <body>.
    // The button says "Loading…" meanwhile: done once neither is there.
    await expect.poll(() => page.getByRole('button', { name: /^(Load older entries|Loading…)$/ }).count()).toBe(0);
    const focused = await page.evaluate(() => {
      const el = document.activeElement;
      const list = el?.parentElement;
      return { tag: el?.tagName, index: list ? [...list.children].indexOf(el as Element) : -1 };
    });
    expect(focused).toEqual({ tag: 'LI', index: 50 });
    await screenshot(page, 'words-focus-08-load-more-focus');
    expect(s.errors).toEqual([]);
  });
});
