import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import path from 'node:path';
import { chromiumAvailable, openAdminSession, screenshot, SCREENSHOTS, startSink, type AdminSession, type Sink, setUpApi, signedInPageAt } from './harness.js';

/**
 * What each page is called and how it speaks, as a reviewer found it:
 * - every page has its own document title, "Email log · Mailroom" (M13);
 * - a template, layout or message that does not exist has a heading and a way back (L8);
 * - a template that does not render names the field as the editor labels it, not its API path (L3);
 * - Reset to built-in is offered only on a built-in that was changed (L4);
 * - the DNS check fits a phone (M4), suggests an SPF record that works (M5) and points to the
 *   DKIM record this page shows (L9);
 * - a connection test names encryption as the server form does: No encryption, not security "none" (L14).
 */
const PHONE = { width: 375, height: 800 };

describe.runIf(chromiumAvailable())('page titles and words', { timeout: 120_000 }, () => {
  let s: AdminSession;
  let sink: Sink;
  let dns: DnsServer;
  let accountId = '';
  const api = setUpApi(() => s);
  const pageAt = (viewport: { width: number; height: number }) => signedInPageAt(s, viewport);

  beforeAll(async () => {
    sink = await startSink();
    dns = await startDnsServer();
    // example.com publishes an MX and nothing else: no SPF, no DKIM, no DMARC.
    dns.zone.set('example.com', [{ type: 'MX', exchange: 'mx.example.com', priority: 10 }]);
    s = await openAdminSession('sqlite', { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1', MAILROOM_DNS_SERVERS: `127.0.0.1:${dns.port}` } });
    const server = await api('POST', '/servers', { name: 'Local relay', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', requireTls: false } });
    accountId = (await api('POST', '/accounts', { serverId: server.id, address: 'app@example.com' })).id;
    await api('PUT', '/dkim/example.com', { keyBits: 1024 });
  }, 180_000);
  afterAll(async () => {
    await s?.close();
    await sink?.close();
    await dns?.stop();
  });

  it('every page has a title of its own', async () => {
    const { page } = s;
    const titles: Record<string, string> = {};
    for (const [path, heading] of [
      ['/messages', 'Email log'],
      ['/servers', 'Mail servers'],
      ['/accounts', 'Accounts'],
      ['/templates', 'Templates'],
      ['/templates/alert', 'Alert'],
      ['/events', 'Events'],
      ['/suppressions', 'Suppressions'],
      ['/domains', 'Sender domains'],
      ['/audit', 'Audit log'],
    ] as const) {
      await page.goto(path);
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      await expect.poll(() => page.title(), { message: path }).toBe(`${heading} · Mailroom`);
      titles[path] = await page.title();
    }
    // Moving within the app (no reload) titles the page it shows too.
    await page.getByRole('navigation').getByRole('link', { name: 'Email log' }).click();
    await expect.poll(() => page.title()).toBe('Email log · Mailroom');
    expect(new Set(Object.values(titles)).size).toBe(Object.keys(titles).length);
    expect(s.errors).toEqual([]);
  });

  it('a template, layout or message that does not exist has a heading and a way back', async () => {
    const { page } = s;
    for (const [path, back] of [
      ['/templates/nope', /Templates/],
      ['/templates/layouts/nope', /Templates/],
      ['/messages/msg_nope', /Email log/],
    ] as const) {
      await page.goto(path);
      await page.getByRole('alert').waitFor();
      expect(await page.getByRole('heading', { level: 1 }).count(), path).toBe(1);
      const link = page.locator('main').getByRole('link', { name: back });
      expect(await link.count(), path).toBe(1);
      if (path === '/messages/msg_nope') await screenshot(page, 'words-message-not-found');
    }
    await page.locator('main').getByRole('link', { name: /Email log/ }).click();
    await page.waitForURL('**/messages');
    expect(s.errors).toEqual([]);
  });

  it('a template error names the field as the editor does; Reset to built-in only once it was changed', async () => {
    const { page } = s;
    await page.goto('/templates/alert');
    await page.getByLabel('Subject (en)').waitFor();
    // Never changed: nothing to reset to.
    expect(await page.getByRole('button', { name: 'Reset to built-in' }).count()).toBe(0);
    await screenshot(page, 'words-template-unmodified');

    const subject = page.getByLabel('Subject (en)');
    await subject.fill('Hi {{ alert.nmae | upcase }}');
    const previewError = page.getByTestId('preview-error');
    await previewError.waitFor();
    const said = await previewError.innerText();
    expect(said).toMatch(/Subject \(en\), line 1, column \d+: /);
    expect(said).not.toContain('locales.');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const banner = page.getByRole('alert').filter({ hasText: 'Not saved' });
    await banner.waitFor();
    expect(await banner.innerText()).not.toContain('locales.');
    expect(await banner.innerText()).toContain('Subject (en)');
    await screenshot(page, 'words-template-error');

    await subject.fill('Changed: {{ alert.host.name }}');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText(/Saved as version/).waitFor();
    await page.getByRole('button', { name: 'Reset to built-in' }).waitFor();
    expect(s.errors).toEqual([]);
  });

  it('the DNS check fits a phone, suggests a valid SPF record and points to the DKIM record shown here', async () => {
    const { page, context, errors } = await pageAt(PHONE);
    await page.goto('/domains?domain=example.com');
    const check = page.getByTestId('domain-check');
    await check.getByLabel('Account (for SPF)').selectOption(accountId);
    await check.getByRole('button', { name: 'Run check' }).click();
    await check.locator('[data-check="dmarc"]').waitFor();
    await screenshot(page, 'words-domain-check-375');
    await check.screenshot({ path: path.join(SCREENSHOTS, 'words-domain-check-375-card.png') });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    const card = await check.evaluate((el) => el.getBoundingClientRect().right);
    for (const step of await check.locator('.diag-step').all()) expect(await step.evaluate((el) => el.getBoundingClientRect().right)).toBeLessThanOrEqual(card);

    const spfHint = (await check.locator('[data-check="spf"] .diag-hint').innerText()) ?? '';
    expect(spfHint).toContain('ip4:127.0.0.1');
    expect(spfHint).not.toContain('a:127.0.0.1');
    const dkimHint = (await check.locator('[data-check="dkim"] .diag-hint').innerText()) ?? '';
    expect(dkimHint).toContain('Domains in the admin UI');
    expect(dkimHint.indexOf('Domains in the admin UI')).toBeLessThan(Math.max(dkimHint.indexOf('/api/v1/'), 0) || Infinity);
    expect(errors).toEqual([]);
    await context.close();
    // The same card at 1280 px, for the record.
    const wide = await pageAt({ width: 1280, height: 800 });
    await wide.page.goto('/domains?domain=example.com');
    const wideCheck = wide.page.getByTestId('domain-check');
    await wideCheck.getByLabel('Account (for SPF)').selectOption(accountId);
    await wideCheck.getByRole('button', { name: 'Run check' }).click();
    await wideCheck.locator('[data-check="dmarc"]').waitFor();
    await wideCheck.screenshot({ path: path.join(SCREENSHOTS, 'words-domain-check-1280-card.png') });
    await wide.context.close();
  });

  it('a connection test says "No encryption" as the server form does', async () => {
    const { page } = s;
    await page.goto(`/accounts/${accountId}`);
    await page.getByRole('button', { name: 'Test connection' }).first().click();
    const steps = page.getByTestId('diagnostics');
    await steps.locator('.diag-step[data-step="tls"]').waitFor();
    const text = await steps.innerText();
    await screenshot(page, 'words-connection-test-no-encryption');
    expect(text).not.toMatch(/security "(none|starttls|tls)"/);
    expect(text).toContain('No encryption');
    expect(s.errors).toEqual([]);
  });
});
