import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../helpers/test-app.js';
import { chromiumAvailable, login, newPage, openAdminSession, screenshot, type AdminSession } from './harness.js';

/**
 * The audit log in Chromium: a change is said in words (field: old → new) with its secret never
 * shown, the target is named by its name or address and links to its page, and the filters live in
 * the address bar (a reload keeps them, Back takes them away).
 */
const run = chromiumAvailable();

describe.runIf(run)('Audit log in Chromium', { timeout: 90_000 }, () => {
  let s: AdminSession;
  let accountId = '';
  let goneId = '';
  let serverId = '';
  const api = async (method: string, url: string, payload?: unknown) => {
    const res = await s.live.t.request({ method: method as 'POST', url: `/api/v1${url}`, payload: payload as Record<string, unknown> });
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.statusCode === 204 ? undefined : res.json();
  };

  beforeAll(async () => {
    s = await openAdminSession('sqlite');
    const server = await api('POST', '/servers', { name: 'Audit relay', smtp: { host: '127.0.0.1', port: 2525, security: 'starttls', requireTls: true } });
    const account = await api('POST', '/accounts', { serverId: server.id, address: 'billing@example.com', fromName: 'Billing', password: 'first-S3cret-value' });
    accountId = account.id;
    await api('PATCH', `/accounts/${accountId}`, { version: account.version, fromName: 'Billing team', password: 'second-S3cret-value' });
    serverId = server.id;
    // An account a purpose pointed at, deleted since; and the server renamed since.
    goneId = (await api('POST', '/accounts', { serverId, address: 'marketing@example.com' })).id;
    const alert = async () => (await api('GET', '/purposes/alert')).version as number;
    await api('PATCH', '/purposes/alert', { accountIds: [goneId], version: await alert() });
    await api('PATCH', '/purposes/alert', { accountIds: [accountId], version: await alert() });
    await api('DELETE', `/accounts/${goneId}`);
    await api('PATCH', `/servers/${serverId}`, { name: 'Billing relay', version: (await api('GET', `/servers/${serverId}`)).version });
  });
  afterAll(async () => s?.close());

  it('says a change in words, names its target with a link, and never shows a secret', async () => {
    const { page } = s;
    await page.goto('/audit');
    const entry = page.locator('.audit-entry', { hasText: 'account.update' }).first();
    await entry.waitFor();
    const text = await entry.innerText();
    expect(text).toMatch(/from name:\s*Billing\s*→\s*Billing team/i);
    expect(text).toMatch(/password:.*not shown/i);
    expect(text).not.toContain('S3cret');
    expect(text).not.toContain('[redacted]');
    expect(text).not.toContain('{');
    expect(await page.locator('pre.json').count()).toBe(0);
    const target = entry.getByRole('link', { name: 'billing@example.com' });
    expect(await target.getAttribute('href')).toBe(`/accounts/${accountId}`);
    expect(text).not.toContain(accountId);
    expect(await page.locator('main').innerText()).not.toContain('S3cret');
    await screenshot(page, '14b-audit-changes');
  });

  it('names a deleted item as "(deleted)" without a link, and a renamed one as it is now', async () => {
    const { page } = s;
    await page.goto('/audit');
    const repointed = page.locator('.audit-entry', { hasText: 'purpose.update' }).first();
    await repointed.waitFor();
    expect(await repointed.innerText()).toMatch(/accounts:\s*marketing@example\.com \(deleted\)\s*→\s*billing@example\.com/);
    const created = page.locator('.audit-entry', { hasText: 'account.create' }).filter({ hasText: 'marketing@example.com' });
    expect(await created.locator('.audit-target').innerText()).toBe('account marketing@example.com (deleted)');
    expect(await created.getByRole('link').count()).toBe(0);
    // What it was created with names its server as it is now, not by id.
    await created.getByText('Created with').click();
    const held = await created.locator('.audit-changes').innerText();
    expect(held).toMatch(/server:\s*Billing relay/);
    expect(held).not.toMatch(/^id:/m);
    // The server was created as "Audit relay": named as it is now, with what the entry recorded.
    const serverCreated = page.locator('.audit-entry', { hasText: 'server.create' });
    expect(await serverCreated.locator('.audit-target').innerText()).toBe('server Billing relay (was Audit relay)');
    expect(await serverCreated.getByRole('link', { name: 'Billing relay' }).getAttribute('href')).toBe(`/servers/${serverId}`);
    expect(await page.locator('main').innerText()).not.toContain(goneId);
    expect(await page.locator('main').innerText()).not.toContain(serverId);
    await screenshot(page, '14d-audit-deleted');
  });

  it('says a purpose deleted since as "(deleted)", a revoked API key as "(revoked)", and a password reference by its provider\'s name', async () => {
    const { page } = s;
    await api('POST', '/purposes', { key: 'weekly_digest' });
    await api('DELETE', '/purposes/weekly_digest');
    const key = await api('POST', '/api-keys', { name: 'Old CI', scopes: ['read'] });
    await api('DELETE', `/api-keys/${key.id}`);
    const provider = await api('POST', '/secret-providers', { name: 'Company vault', kind: 'vault', config: { address: 'https://vault.example.com' }, credentials: { token: 'hvs.audit-token-Qq1' } });
    const vaulted = await api('POST', '/accounts', { serverId, address: 'vaulted@example.com', passwordRef: `vault:${provider.id}/mail/smtp#password` });
    await api('DELETE', `/accounts/${vaulted.id}`);
    // A template named as its purpose, deleted: the purpose, still there, is not said deleted.
    await api('POST', '/purposes', { key: 'receipt' });
    await api('PUT', '/templates/receipt', { name: 'Receipt', purpose: 'receipt', locales: { en: { subject: 'Receipt', html: '<p>Receipt</p>' } } });
    await api('DELETE', '/templates/receipt');
    await page.goto('/audit');

    const purpose = page.locator('.audit-entry', { hasText: 'purpose.create' }).filter({ hasText: 'weekly_digest' });
    await purpose.waitFor();
    expect(await purpose.locator('.audit-target').innerText()).toBe('purpose weekly_digest (deleted)');
    expect(await purpose.getByRole('link').count()).toBe(0);
    // Revoked is not deleted: the key is still listed, so its page is linked.
    const keyCreated = page.locator('.audit-entry', { hasText: 'apikey.create' }).filter({ hasText: 'Old CI' });
    expect(await keyCreated.locator('.audit-target').innerText()).toBe('API key Old CI (revoked)');
    expect(await keyCreated.getByRole('link', { name: 'Old CI' }).getAttribute('href')).toBe('/api-keys');
    const held = page.locator('.audit-entry', { hasText: 'account.delete' }).filter({ hasText: 'vaulted@example.com' });
    await held.getByText('What it held').click();
    expect(await held.locator('.audit-changes').innerText()).toMatch(/password ref:\s*vault:Company vault\/mail\/smtp#password/);
    const template = page.locator('.audit-entry', { hasText: 'template.delete' }).filter({ hasText: 'receipt' });
    expect(await template.locator('.audit-target').innerText()).toBe('template receipt (deleted)');
    await template.getByText('What it held').click();
    const templateHeld = await template.locator('.audit-changes').innerText();
    expect(templateHeld).toMatch(/purpose:\s*receipt$/m);
    expect(templateHeld).not.toContain('(deleted)');
    const main = await page.locator('main').innerText();
    expect(main).not.toContain(provider.id);
    expect(main).not.toContain('hvs.');
    await screenshot(page, '14e-audit-revoked-and-references');
  });

  it('fits a phone: a change and its target wrap instead of widening the page', async () => {
    const { page, context } = await newPage(s.browser, s.live.baseUrl, { width: 390, height: 844 });
    try {
      await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
      await page.goto('/audit');
      await page.locator('.audit-entry', { hasText: 'account.update' }).first().waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await screenshot(page, '14c-audit-phone');
    } finally {
      await context.close();
    }
  });

  it('keeps the filters in the address bar: a reload keeps them, Back takes them away', async () => {
    const { page } = s;
    await page.goto('/audit');
    await page.locator('.audit-entry').first().waitFor();
    // The filters offer what the log records (a mistyped action once gave an empty page).
    expect(await page.getByLabel('Action').locator('optgroup[label="webhook"] option').allInnerTexts()).toContain('webhook.rotate_secret');
    expect(await page.getByLabel('Target type').locator('option').allInnerTexts()).toEqual(expect.arrayContaining(['Any target', 'account', 'smtp_credential']));
    await page.getByLabel('Action').selectOption('account.update');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.url()).toContain('action=account.update');
    await expect.poll(() => page.locator('.audit-entry').count()).toBe(1);
    await page.reload();
    await page.locator('.audit-entry').first().waitFor();
    expect(await page.getByLabel('Action').inputValue()).toBe('account.update');
    await expect.poll(() => page.locator('.audit-entry').count()).toBe(1);
    await page.goBack();
    await expect.poll(() => page.url()).not.toContain('action=');
    await expect.poll(() => page.locator('.audit-entry').count()).toBeGreaterThan(1);
    expect(await page.getByLabel('Action').inputValue()).toBe('');
    expect(s.errors).toEqual([]);
  });

  it('says why when the address bar holds an action the log never records', async () => {
    const { page } = s;
    await page.goto('/audit?action=account.updated');
    await expect.poll(() => page.locator('main').innerText()).toContain("account's actions are account.create, account.update");
    await screenshot(page, '14f-audit-unknown-action');
  });
});
