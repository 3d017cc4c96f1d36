import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { chromiumAvailable, login, newPage, openAdminSession, screenshot, startSink, type AdminSession, type Sink } from './harness.js';
import { fillNewRule } from './rule-form.js';

/**
 * What the forms say and where the focus goes, in Chromium against a real Mailroom: a saved
 * server or account says "Saved." and keeps the focus, the sections opened and a test's result; a
 * created rule says "Saved."; a duration keeps its number when its unit changes; a condition
 * leaves "present" behind with "is present"; a refused delete is said by its row, with the focus
 * back on its button; a viewer gets no forms for admins; the webhook pages say why and ask first;
 * an API key may expire today; the branding card's hint is true and its footer's refusal is
 * at the footer.
 */

/** The focused element: its tag and text. */
const focused = (page: Page) => page.evaluate(() => ({ tag: document.activeElement?.tagName ?? '', text: ((document.activeElement as HTMLElement | null)?.innerText ?? '').replace(/\s+/g, ' ').trim() }));

// Screenshots are taken only where docs/ui.md names them: each full-page one renders and encodes
// the whole page (0.1 to 0.4 s), and the others were named nowhere.
describe.runIf(chromiumAvailable())('form fixes in the admin UI', { timeout: 120_000 }, () => {
  let s: AdminSession;
  let sink: Sink;
  let receiver: WebhookReceiver;
  let serverId: string;
  let accountId: string;
  let spareId: string;
  const api = async (method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, payload?: object) => {
    const res = await s.live.t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });
    expect(res.statusCode, res.body).toBeLessThan(300);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return res.json() as any;
  };

  beforeAll(async () => {
    sink = await startSink();
    receiver = await startWebhookReceiver();
    s = await openAdminSession('sqlite', { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    serverId = (await api('POST', '/servers', { name: 'Sink', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', requireTls: false } })).id;
    accountId = (await api('POST', '/accounts', { serverId, address: 'app@example.com', fromName: 'App' })).id;
    spareId = (await api('POST', '/accounts', { serverId, address: 'spare@example.com' })).id;
    // The default account cannot be deleted: the refusal the Accounts list shows.
    await api('PATCH', '/settings', { defaultAccountId: accountId });
  }, 180_000);
  afterAll(async () => {
    await s?.close();
    await sink?.close();
    await receiver?.stop();
  });

  it('server: Save changes says "Saved.", keeps the focus, the opened section and the test result; saves again', async () => {
    const { page } = s;
    await page.goto(`/servers/${serverId}`);
    const form = page.getByRole('form', { name: 'Edit server Sink' });
    const section = form.locator('details', { has: page.getByText('Timeouts and connections') });
    await section.locator('summary').click();
    await form.getByRole('button', { name: 'Test connection' }).click();
    await form.getByText('Connection test passed.').waitFor();
    await form.getByLabel('Name', { exact: true }).fill('Sink renamed');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Sink renamed', level: 1 }).waitFor();
    const saved = page.getByRole('form', { name: 'Edit server Sink renamed' });
    await saved.getByText('Saved.', { exact: true }).waitFor();
    expect(await focused(page)).toEqual({ tag: 'BUTTON', text: 'Save changes' });
    expect(await section.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
    expect(await saved.getByText('Connection test passed.').count()).toBe(1);
    await screenshot(page, 'form-fixes-server-saved');
    // "Saved." speaks of what the form shows: it goes with an edit, and a second save (the new version) is taken.
    await saved.getByLabel('Name', { exact: true }).fill('Sink again');
    expect(await page.getByText('Saved.', { exact: true }).count()).toBe(0);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('form', { name: 'Edit server Sink again' }).getByText('Saved.', { exact: true }).waitFor();
    expect((await api('GET', `/servers/${serverId}`)).name).toBe('Sink again');
    expect(s.errors).toEqual([]);
  });

  it('account: Save changes says "Saved.", keeps the focus and the opened section', async () => {
    const { page } = s;
    await page.goto(`/accounts/${accountId}`);
    const form = page.getByRole('form', { name: 'Edit account app@example.com' });
    const reading = form.getByTestId('inbound');
    await reading.locator('summary').click();
    await form.getByLabel('Display name').fill('App renamed');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await form.getByText('Saved.', { exact: true }).waitFor();
    expect(await focused(page)).toEqual({ tag: 'BUTTON', text: 'Save changes' });
    expect(await reading.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
    await form.getByLabel('Display name').fill('App');
    expect(await form.getByText('Saved.', { exact: true }).count()).toBe(0);
    await form.getByRole('button', { name: 'Save changes' }).click();
    await form.getByText('Saved.', { exact: true }).waitFor();
    expect((await api('GET', `/accounts/${accountId}`)).fromName).toBe('App');
  });

  it('rule: creating one says "Saved." at its new address, with the focus on its button', async () => {
    const { page } = s;
    await fillNewRule(page, { name: 'Created here', events: 'access.request.*', addresses: 'audit@example.com' });
    await page.getByRole('button', { name: 'Create rule' }).click();
    await page.waitForURL(/\/rules\/(?!new)[^/]+$/);
    await page.getByText('Saved.', { exact: true }).waitFor();
    await expect.poll(() => focused(page)).toEqual({ tag: 'BUTTON', text: 'Save rule' });
  });

  it('rule conditions: "is present" and back to "equals" leaves an empty value, not "present"', async () => {
    const { page } = s;
    await page.goto('/rules/new');
    await page.getByRole('button', { name: 'Add condition' }).click();
    await page.getByLabel('Condition 1 value').fill('Acme');
    await page.getByLabel('Condition 1 operator').selectOption('exists');
    expect(await page.getByLabel('Condition 1 value').inputValue()).toBe('present');
    await page.getByLabel('Condition 1 operator').selectOption('eq');
    expect(await page.getByLabel('Condition 1 value').inputValue()).toBe('');
    // Between two operators that both take text, the text stays.
    await page.getByLabel('Condition 1 value').fill('Acme');
    await page.getByLabel('Condition 1 operator').selectOption('neq');
    expect(await page.getByLabel('Condition 1 value').inputValue()).toBe('Acme');
  });

  it('duration: choosing a unit keeps the number typed; Undo never shows a fraction', async () => {
    const { page } = s;
    await page.goto('/routing');
    const card = page.locator('[data-purpose="alert"]');
    const expire = card.locator('#purpose-alert-expire');
    const unit = card.getByLabel('unit');
    await expire.fill('10');
    await unit.selectOption('hours');
    expect(await expire.inputValue()).toBe('10');
    await card.getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => (await api('GET', '/purposes/alert')).expireAfterSec).toBe(36_000);
    // The card starts again from the saved purpose: no longer changed, so no Save.
    await card.getByRole('button', { name: 'Save' }).waitFor({ state: 'detached' });
    expect(await expire.inputValue()).toBe('10');
    expect(await unit.inputValue()).toBe('3600');
    // A loaded value changes unit the same way: 10 hours becomes 10 days until saved or undone.
    await unit.selectOption('days');
    expect(await expire.inputValue()).toBe('10');
    await card.getByRole('button', { name: 'Undo' }).click();
    expect(await expire.inputValue()).toBe('10');
    expect(await unit.inputValue()).toBe('3600');
    // What is typed after the Undo is read in the unit on screen, and stays in it (review: it
    // was read in hours, then shown as 0.375 days).
    await expire.fill('9');
    expect(await expire.inputValue()).toBe('9');
    expect(await unit.inputValue()).toBe('3600');
    await card.getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => (await api('GET', '/purposes/alert')).expireAfterSec).toBe(9 * 3_600);
  });

  it('accounts: a refused delete is said by its row, the focus back on its button; a delete moves it to the next row', async () => {
    const { page } = s;
    await page.goto('/accounts');
    const row = page.locator(`tr[data-row-key="${accountId}"]`);
    await row.getByRole('button', { name: 'Delete' }).click();
    await row.getByRole('button', { name: 'Yes, delete' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'Not deleted' });
    await refusal.waitFor();
    // In the row right under the account's own, not at the page's top.
    expect(await refusal.evaluate((el, key) => el.closest('tr')?.previousElementSibling?.getAttribute('data-row-key') === key, accountId)).toBe(true);
    await expect.poll(() => focused(page)).toEqual({ tag: 'BUTTON', text: 'Delete app@example.com' });
    await screenshot(page, 'form-fixes-account-delete-refused');

    const spare = page.locator(`tr[data-row-key="${spareId}"]`);
    await spare.getByRole('button', { name: 'Delete' }).click();
    await spare.getByRole('button', { name: 'Yes, delete' }).click();
    await spare.waitFor({ state: 'detached' });
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'TR', text: expect.stringContaining('app@example.com') });
  });

  it('a viewer gets no Add user or Create key form, and no hint of a test button on Reports', async () => {
    await api('POST', '/users', { email: 'viewer@example.com', role: 'viewer', password: 'viewer-password-1' });
    const viewer = await newPage(s.browser, s.live.baseUrl);
    try {
      const { page } = viewer;
      await login(page, 'viewer@example.com', 'viewer-password-1');
      // Users, API keys and secrets are an admin's to read too: each page says so in words, with
      // no refusal in red above a filter or forms whose every request would be refused.
      for (const [path, said] of [
        ['/users', 'Only an admin can see and manage users.'],
        ['/api-keys', 'Only an admin can see, create and revoke API keys.'],
        ['/secrets', 'Only an admin can see and manage secret providers and internal secrets.'],
      ] as const) {
        await page.goto(path);
        await page.getByTestId('admins-only').getByText(said).waitFor();
        expect(await page.getByText('may not do this').count(), path).toBe(0);
        expect(await page.locator('main#main').locator('form, input, select, textarea').count(), path).toBe(0);
        if (path === '/api-keys') await screenshot(page, 'non-admin-api-keys');
      }
      expect(await page.getByRole('button', { name: /Add user|Create key|Add provider/ }).count()).toBe(0);
      await page.goto('/reports');
      await page.getByRole('form', { name: 'Report mail' }).getByLabel('Subject').waitFor();
      expect(await page.getByText('The test uses the saved settings').count()).toBe(0);
      expect(viewer.errors).toEqual([]);
    } finally {
      await viewer.context.close();
    }
    // The admin still gets the hint beside the button.
    await s.page.goto('/reports');
    await s.page.getByText('The test uses the saved settings').waitFor();
  });

  it('webhooks: no event ticked is refused at the events; the subtitle names every event; the test notice is by its button; rotating asks first', async () => {
    const { page } = s;
    await page.goto('/webhooks');
    const subtitle = await page.locator('main').getByText('Signed HTTP notifications').innerText();
    for (const word of ['sent', 'deferred', 'failed', 'expired', 'cancelled', 'suppressed', 'bounced', 'received', 'replied to']) expect(subtitle).toContain(word);
    const form = page.getByRole('form', { name: 'Add an endpoint' });
    await form.getByLabel('URL').fill(receiver.url);
    await form.getByLabel('Description').fill('Ticked nothing');
    await form.getByRole('checkbox', { name: /message\.sent/ }).uncheck();
    await form.getByRole('checkbox', { name: /message\.failed/ }).uncheck();
    expect(await form.getByRole('checkbox', { checked: true }).count()).toBe(0);
    const create = form.getByRole('button', { name: 'Create endpoint' });
    expect(await create.isEnabled()).toBe(true);
    await create.click();
    await form.locator('.field-error').getByText('Tick at least one event').waitFor();
    expect(await focused(page)).toMatchObject({ tag: 'INPUT' });
    await screenshot(page, 'form-fixes-webhook-no-events');
    expect((await api('GET', '/webhooks')).items).toHaveLength(0);
    await form.getByRole('checkbox', { name: /message\.sent/ }).check();
    expect(await form.getByText('Tick at least one event').count()).toBe(0);
    await create.click();
    await page.getByLabel('The webhook signing secret', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Done' }).click();

    await page.getByRole('link', { name: 'Ticked nothing' }).click();
    await page.getByRole('button', { name: 'Send test event' }).click();
    const queued = page.getByText('Test event queued');
    await queued.waitFor();
    // Said under the buttons it answers, above the Rotate section.
    const rotateHeading = page.getByRole('heading', { name: 'Rotate the signing secret' });
    expect((await queued.boundingBox())!.y).toBeLessThan((await rotateHeading.boundingBox())!.y);

    const before = (await api('GET', '/webhooks')).items[0].version;
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('group', { name: /Rotate the secret\? The old one keeps signing for 24 hours/ }).waitFor();
    expect((await api('GET', '/webhooks')).items[0].version).toBe(before);
    await page.getByRole('button', { name: 'Yes, rotate secret' }).click();
    await page.getByTestId('rotated-webhook-secret').waitFor();
    expect(s.errors).toEqual([]);
  });

  it('API key: Expires on offers today, and a key made to expire today is usable through today', async () => {
    const { page } = s;
    await page.goto('/api-keys');
    const today = await page.evaluate(() => {
      const d = new Date();
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    });
    const expires = page.getByLabel('Expires on');
    expect(await expires.getAttribute('min')).toBe(today);
    await page.getByLabel('Name', { exact: true }).fill('today-only');
    await expires.fill(today);
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByLabel('The new API key').waitFor();
    const nextMidnight = await page.evaluate(() => {
      const d = new Date();
      return new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).toISOString();
    });
    const key = (await api('GET', '/api-keys')).items.find((k: { name: string }) => k.name === 'today-only');
    expect(key.expiresAt).toBe(nextMidnight);
    expect(key.state).toBe('active');
  });

  it('branding: the logo hint names http:// too; a refused footer is said at the footer, which holds 2000 characters', async () => {
    const { page } = s;
    await page.goto('/templates');
    const card = page.getByRole('region', { name: 'Branding and default locale' });
    expect(await card.locator('#brand-logo-hint').innerText()).toContain('http://');
    const footer = card.getByLabel('Footer');
    expect(await footer.getAttribute('maxlength')).toBe('2000');
    // A footer longer than the API takes (the box's limit lifted, as by an older browser): refused at the field.
    await footer.evaluate((el) => el.removeAttribute('maxlength'));
    await footer.fill('x'.repeat(2001));
    await card.getByRole('button', { name: 'Save branding' }).click();
    await card.locator('#brand-footer-error').getByText('2000 characters').waitFor();
    expect(await footer.getAttribute('aria-invalid')).toBe('true');
    expect(await card.getByText('Not saved').count()).toBe(0);
    expect(s.errors).toEqual([]);
  });

  it('domains: a spelling the server stores otherwise opens its key; text that is no domain is refused at the field', async () => {
    const { page } = s;
    const key = await s.live.t.request({ method: 'PUT', url: '/api/v1/dkim/example.test', payload: { selector: 'k1', keyBits: 1024 } });
    expect(key.statusCode).toBe(200);
    // A trailing dot (as DNS writes names) and capitals: the key of example.test, not "No key yet".
    await page.goto(`/domains?domain=${encodeURIComponent('Example.TEST.')}`);
    await page.getByText('k1._domainkey.example.test').first().waitFor();
    expect(await page.getByText('No key yet').count()).toBe(0);
    const input = page.getByLabel('Domain name');
    await input.fill('not a domain!');
    await page.getByRole('button', { name: 'Open' }).click();
    await page.locator('#domain-input-error').getByText('is not a domain name').waitFor();
    expect(await input.getAttribute('aria-invalid')).toBe('true');
    // A Unicode domain opens as the ASCII form the server keeps.
    await input.fill('Bücher.example');
    await page.getByRole('button', { name: 'Open' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('domain')).toBe('xn--bcher-kva.example');
    expect(await page.locator('#domain-input-error').count()).toBe(0);
    expect(s.errors).toEqual([]);
  });

  it('secrets: a new internal secret under a name that exists is refused at Name, pointing at Rotate', async () => {
    const { page } = s;
    await api('PUT', '/secrets/relay-password', { value: 'first-value-1' });
    await page.goto('/secrets');
    const form = page.getByRole('form', { name: 'New internal secret' });
    await form.getByLabel('Name').fill('relay-password');
    await form.getByLabel('Value').fill('second-value-2');
    await form.getByRole('button', { name: 'Add secret' }).click();
    await form.locator('#sec-name-error').getByText('a secret named “relay-password” exists: use its Rotate button').waitFor();
    expect(await form.getByLabel('Name').getAttribute('aria-invalid')).toBe('true');
    expect(await form.getByText('version:').count()).toBe(0);
    expect((await api('GET', '/secrets/relay-password')).version).toBe(1);
    expect(s.errors).toEqual([]);
  });

  it('accounts: an OAuth2 account is not shown as one without a password', async () => {
    const { page } = s;
    // OAuth2 sends a token: only over TLS (a server of its own, never contacted here).
    const tls = await api('POST', '/servers', { name: 'Tenant relay', smtp: { host: 'smtp.example.com', security: 'starttls' } });
    await api('POST', '/accounts', { serverId: tls.id, address: 'oauth@example.com', auth: { type: 'oauth2', provider: 'microsoft', tenantId: 'contoso', clientId: 'abc', clientSecret: 'shh' } });
    await page.goto('/accounts');
    const row = page.getByRole('row', { name: /oauth@example\.com/ });
    await row.getByText('OAuth2 (microsoft)').waitFor();
    expect(await row.getByText('not set').count()).toBe(0);
    expect(s.errors).toEqual([]);
  });
});
