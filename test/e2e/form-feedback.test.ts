import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, openAdminSession, screenshot, type AdminSession } from './harness.js';
import { ADMIN_PASSWORD } from '../helpers/test-app.js';

/**
 * What a form tells its user: a refusal at the field it names (never a save that silently does
 * nothing), a field the browser refuses inside a folded section unfolded, a settings card that
 * keeps what was typed in another and says it saved, a save that sends only what changed, and
 * the email log's filters doing what their labels say.
 */
describe.runIf(chromiumAvailable())('form feedback in the admin UI', { timeout: 120_000 }, () => {
  let s: AdminSession;
  const api = async (method: string, url: string, body?: unknown) => {
    const res = await s.page.request.fetch(`/api/v1${url}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-csrf-token': await csrf() },
      data: body === undefined ? undefined : JSON.stringify(body),
    });
    return res.json();
  };
  const csrf = async () => (await (await s.page.request.get('/api/v1/session')).json()).csrfToken as string;

  beforeAll(async () => {
    // A deploy-time server and account: the default account's value comes from the environment.
    s = await openAdminSession('sqlite', {
      env: { MAILROOM_SMTP_HOST: '127.0.0.1', MAILROOM_SMTP_PORT: '2525', MAILROOM_SMTP_SECURITY: 'none', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com', MAILROOM_MAIL_FROM_NAME: 'App' },
    });
  }, 180_000);
  afterAll(async () => s?.close());

  it('settings: a card keeps what was typed in another, says it saved, and the defaults send only what changed', async () => {
    const { page } = s;
    const before = (await api('GET', '/settings')).defaultAccountId.source;
    await page.goto('/settings');
    await page.getByLabel('Global BCC').fill('audit@example.com');
    await page.getByLabel('Within (days)').fill('10');
    await page.getByRole('button', { name: 'Save soft bounces' }).click();
    await page.getByText('Saved: applies from the next bounce.').waitFor();
    expect((await api('GET', '/settings')).softBounces.value.windowDays).toBe(10);
    expect(await page.getByLabel('Global BCC').inputValue()).toBe('audit@example.com');
    await page.getByRole('button', { name: 'Save defaults' }).click();
    await page.getByRole('region', { name: 'Defaults' }).getByText('Saved.').waitFor();
    const after = await api('GET', '/settings');
    expect(after.globalBcc.value).toEqual(['audit@example.com']);
    // The default account was not touched: it still comes from where it came from.
    expect(after.defaultAccountId.source).toBe(before);
    await screenshot(page, 'settings-saved-notes');
  });

  it('profile: a refused name is shown at the field', async () => {
    const { page } = s;
    await page.goto('/profile');
    await page.getByLabel('Name', { exact: true }).fill('n'.repeat(250));
    await page.getByLabel('Current password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#profile-name-error').getByText('200 characters').waitFor();
    expect(await page.getByLabel('Name', { exact: true }).getAttribute('aria-invalid')).toBe('true');
  });

  it('server form: a value out of range in a folded section unfolds it instead of a silent refusal', async () => {
    const { page } = s;
    await page.goto('/servers/new');
    await page.getByLabel('Name', { exact: true }).fill('Folded');
    await page.getByLabel('SMTP host').fill('smtp.example.com');
    const section = page.locator('details', { has: page.getByText('Timeouts and connections') });
    await section.locator('summary').click();
    await page.getByLabel('Connect timeout (s)').fill('500');
    await section.locator('summary').click();
    expect(await section.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    await page.getByRole('button', { name: 'Create server' }).click();
    await expect.poll(() => section.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
    expect(await page.getByLabel('Connect timeout (s)').evaluate((i) => (i as HTMLInputElement).validity.rangeOverflow)).toBe(true);
    expect((await api('GET', '/servers')).items.map((x: { name: string }) => x.name)).not.toContain('Folded');
  });

  it('server form: a refused host, name or IMAP host is said at its field (marked, focused, its section unfolded), not in the banner', async () => {
    const { page } = s;
    const taken = (await api('GET', '/servers')).items[0].name as string;
    await page.goto('/servers/new');
    const form = page.getByRole('form', { name: 'New mail server' });
    const focused = () => page.evaluate(() => document.activeElement?.id);
    await form.getByLabel('Name', { exact: true }).fill('Refused host');
    await form.getByLabel('SMTP host').fill('bad host name!');
    await form.getByRole('button', { name: 'Create server' }).click();
    await form.locator('#srv-new-host-error').getByText('is not a valid host name or IP address').waitFor();
    expect(await form.getByLabel('SMTP host').getAttribute('aria-invalid')).toBe('true');
    await expect.poll(focused).toBe('srv-new-host');
    expect(await form.getByText('is not a valid host name').count()).toBe(1);
    expect(await form.getByText('Not saved').count()).toBe(0);

    await form.getByLabel('SMTP host').fill('smtp.example.com');
    await form.getByLabel('Name', { exact: true }).fill(taken);
    await form.getByRole('button', { name: 'Create server' }).click();
    await form.locator('#srv-new-name-error').getByText('already exists').waitFor();
    expect(await form.getByLabel('Name', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await form.getByLabel('SMTP host').getAttribute('aria-invalid')).toBeNull();
    await expect.poll(focused).toBe('srv-new-name');
    expect(await form.getByText('already exists').count()).toBe(1);
    expect(await form.getByText('Not saved').count()).toBe(0);

    await form.getByLabel('Name', { exact: true }).fill('Refused IMAP');
    const imap = form.locator('details', { has: page.getByText('IMAP', { exact: true }) });
    await imap.locator('summary').click();
    await form.getByLabel(/This server also offers IMAP/).check();
    await form.getByLabel('IMAP host').fill('bad imap!');
    await imap.locator('summary').click();
    expect(await imap.evaluate((x) => (x as HTMLDetailsElement).open)).toBe(false);
    await form.getByRole('button', { name: 'Create server' }).click();
    await form.locator('#srv-new-imap-host-error').getByText('is not a valid host name').waitFor();
    expect(await imap.evaluate((x) => (x as HTMLDetailsElement).open)).toBe(true);
    expect(await form.getByLabel('IMAP host').getAttribute('aria-invalid')).toBe('true');
    await expect.poll(focused).toBe('srv-new-imap-host');
    expect(await form.getByText('Not saved').count()).toBe(0);
    expect((await api('GET', '/servers')).items.map((x: { name: string }) => x.name)).not.toContain('Refused IMAP');
    expect(s.errors).toEqual([]);
  });

  it('email log: the search is of subjects, and a recipient is found by the Recipient filter', async () => {
    const { page } = s;
    const sent = await api('POST', '/messages', { to: ['Alice <alice@example.com>'], subject: 'Hello plain', text: 'x' });
    expect(sent.id).toMatch(/^msg_/);
    await page.goto('/messages');
    expect(await page.getByLabel('Search').getAttribute('placeholder')).toBe('text in the subject');
    await page.getByLabel('Recipient').fill('alice@example.com');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByRole('link', { name: 'Hello plain' }).first().waitFor();
    expect(page.url()).toContain('recipient=alice%40example.com');
    expect(s.errors).toEqual([]);
  });

  it('message detail: names the attachments and the Reply-To the API gives', async () => {
    const { page } = s;
    const sent = await api('POST', '/messages', {
      to: ['b@example.com'],
      replyTo: 'Desk <desk@example.com>',
      subject: 'With a file',
      text: 'x',
      attachments: [{ filename: 'report.csv', contentType: 'text/csv', contentBase64: Buffer.alloc(3000, 'a').toString('base64') }],
    });
    await page.goto(`/messages/${sent.id}`);
    await page.getByRole('list', { name: 'Attachments' }).getByText('report.csv').waitFor();
    expect(await page.getByRole('list', { name: 'Attachments' }).innerText()).toContain('(text/csv, 2.9 KiB)');
    await page.getByText('desk@example.com').first().waitFor();
    await screenshot(page, 'message-detail-attachments');
  });

  it('routing: a cleared priority stays cleared and Save says what it needs; nothing is saved', async () => {
    const { page } = s;
    const before = await api('GET', '/purposes/alert');
    await page.goto('/routing');
    const card = page.locator('[data-purpose="alert"]');
    const priority = card.getByLabel('Priority (0–100)');
    await priority.fill('');
    // Before: the box snapped to 0 as it was cleared, and Save stored a priority nobody chose.
    expect(await priority.inputValue()).toBe('');
    await card.getByRole('button', { name: 'Save' }).click();
    await card.getByText('a whole number from 0 to 100').waitFor();
    expect(await priority.getAttribute('aria-invalid')).toBe('true');
    expect((await api('GET', '/purposes/alert')).priority).toBe(before.priority);
    await priority.fill('42');
    expect(await card.getByText('a whole number from 0 to 100').count()).toBe(0);
    await card.getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => (await api('GET', '/purposes/alert')).priority).toBe(42);
  });

  it('settings table: every value in words, no JSON', async () => {
    const { page } = s;
    await api('PATCH', '/settings', { retention: { days: null } });
    await page.goto('/settings');
    const value = (key: string) => page.locator(`[data-setting="${key}"] td`).nth(1).innerText();
    await expect.poll(() => value('retention')).toBe('Kept forever');
    expect(await value('contactAutoReply')).toBe('Off');
    expect(await page.locator('[data-setting] td').allInnerTexts()).not.toContainEqual(expect.stringMatching(/[{}]/));
    await screenshot(page, 'settings-in-words');
  });

  it('template editor: three locales and more sit in one row of tabs at 1280 px', async () => {
    const { page } = s;
    await page.setViewportSize({ width: 1280, height: 900 });
    try {
      await page.goto('/templates/alert');
      for (const locale of ['fr', 'de-AT']) {
        await page.getByLabel('New locale').fill(locale);
        await page.getByRole('button', { name: 'Add locale' }).click();
        await page.getByRole('tab', { name: locale }).waitFor();
      }
      const tops = await page.getByRole('tablist', { name: 'Locales' }).getByRole('tab').evaluateAll((tabs) => tabs.map((t) => Math.round(t.getBoundingClientRect().top)));
      expect(tops.length).toBeGreaterThanOrEqual(3);
      expect(new Set(tops).size).toBe(1);
      await screenshot(page, 'template-three-locales-1280');
    } finally {
      await page.setViewportSize({ width: 1366, height: 900 });
    }
  });

  it('new template and webhook forms: a refusal at its field is shown there, once', async () => {
    const { page } = s;
    await page.goto('/templates');
    const form = page.getByRole('form', { name: 'New template' });
    await form.getByLabel('Key').fill('alert');
    await form.getByRole('button', { name: 'Create and edit' }).click();
    await form.locator('#new-tpl-key-error').getByText('exists already').waitFor();
    expect(await form.getByText('exists already').count()).toBe(1);

    await page.goto('/webhooks');
    const hook = page.getByRole('form', { name: 'Add an endpoint' });
    await hook.getByLabel('URL').fill('http://169.254.169.254/latest/meta-data/');
    await hook.getByRole('button', { name: 'Create endpoint' }).click();
    await hook.locator('.field-error').getByText('webhooks may not be sent there').waitFor();
    expect(await hook.getByText('webhooks may not be sent there').count()).toBe(1);
    expect(s.errors).toEqual([]);
  });
});
