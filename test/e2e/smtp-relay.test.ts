import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { queuedId } from '../helpers/relay.js';
import { expectCode, RawSmtp } from '../helpers/smtp-client.js';
import { chromiumAvailable, newPage, openAdminSession, screenshot, startSink, type AdminSession, type Sink } from './harness.js';

/**
 * The SMTP relay page in Chromium against a real Mailroom whose relay listens on loopback: the
 * status card (listening, fingerprint, expiry), a credential created in the form with its
 * password shown once beside copy buttons and framework settings, that password used by a real
 * SMTP session whose message reaches the log, a failed login in the refused sessions, a
 * rotation, and the page on a phone.
 */
describe.runIf(chromiumAvailable())('SMTP relay page', { timeout: 120_000 }, () => {
  let s: AdminSession;
  let sink: Sink;
  let relayPort = 0;
  let password = '';

  beforeAll(async () => {
    sink = await startSink();
    relayPort = await freePort();
    s = await openAdminSession('sqlite', { env: { MAILROOM_RELAY_PORT: String(relayPort), MAILROOM_RELAY_TLS_PORT: String(await freePort()) } });
    const api = async (url: string, payload: object) => (await s.live.t.request({ method: 'POST', url: `/api/v1${url}`, payload })).json();
    const server = await api('/servers', { name: 'sink', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', requireTls: false } });
    await api('/accounts', { serverId: server.id, address: 'billing@example.com', aliases: ['@example.com'] });
    await s.page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  }, 180_000);

  afterAll(async () => {
    await s?.close();
    await sink?.close();
  });

  it('shows the relay listening with the certificate a client can check', async () => {
    const { page } = s;
    await page.goto('/smtp-relay');
    const card = page.getByTestId('relay-status');
    await card.getByText('STARTTLS').first().waitFor();
    expect(await card.getByText('listening', { exact: true }).count()).toBe(2);
    const status = (await s.live.t.request({ method: 'GET', url: '/api/v1/relay/status' })).json();
    expect(await page.getByTestId('relay-fingerprint').textContent()).toBe(status.certificate.fingerprint256);
    expect(await card.getByText(/Self-signed, made by Mailroom/).count()).toBe(1);
    expect(await page.getByText('No SMTP credential yet').count()).toBe(1);
  });

  it('a refused entry is said once, beside its field and marked there, with the cursor in it', async () => {
    const { page } = s;
    await page.goto('/smtp-relay');
    await page.getByLabel('Name', { exact: true }).fill('Scanner');
    await page.getByLabel('May send as').fill('scanner@example.com, not an address');
    await page.getByRole('button', { name: 'Create credential' }).click();
    const from = page.getByLabel('May send as');
    await page.locator('#cred-new-from-err').getByText('"not an address" is not accepted').waitFor();
    expect(await from.getAttribute('aria-invalid')).toBe('true');
    await expect.poll(() => from.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await page.getByText('Not created').count()).toBe(0);
    expect(await page.getByText('allowedFrom[1]').count()).toBe(0);
    await from.fill('scanner@example.com');
    await page.getByLabel('Client addresses').fill('10.0.0.0/33');
    await page.getByRole('button', { name: 'Create credential' }).click();
    await page.locator('#cred-new-ips-err').getByText('"10.0.0.0/33" is not an IP address').waitFor();
    expect(await page.getByLabel('Client addresses').getAttribute('aria-invalid')).toBe('true');
    expect(await from.getAttribute('aria-invalid')).toBeNull();
    expect(await page.getByText('Not created').count()).toBe(0);
    // Nothing was created: the next test starts from an empty form.
    for (const label of ['May send as', 'Client addresses']) await page.getByLabel(label).fill('');
    await page.getByLabel('Name', { exact: true }).fill('');
    expect(s.errors).toEqual([]);
  });

  it('creates a credential, shows its password once with copy buttons and framework settings, and it works', async () => {
    const { page } = s;
    await page.getByLabel('Name', { exact: true }).fill('Invoices');
    await page.getByLabel('May send as').fill('@example.com');
    await page.getByLabel('Purpose').selectOption('report');
    await page.getByLabel('Messages per minute').fill('120');
    await page.getByRole('button', { name: 'Create credential' }).click();
    const once = page.getByTestId('new-smtp-credential');
    await once.getByText('Copy the password now').waitFor();
    expect(await once.evaluate((el) => el.contains(document.activeElement))).toBe(true);
    password = (await once.getByLabel('Password', { exact: true }).textContent()) ?? '';
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(await once.getByLabel('Username', { exact: true }).textContent()).toBe('invoices');
    expect(await once.getByLabel('Port (STARTTLS)', { exact: true }).textContent()).toBe(String(relayPort));
    const snippet = page.getByTestId('smtp-snippet');
    expect(await snippet.textContent()).toContain(`EMAIL_HOST_PASSWORD = "${password}"`);
    // The host shown is one the relay's certificate holds, and the card lists them.
    expect(await page.getByTestId('relay-certificate-names').textContent()).toMatch(/^Applications must connect by a name the relay's certificate holds \(.*\b127\.0\.0\.1\b.*\)/);
    await once.getByRole('button', { name: 'Copy the password' }).click();
    await once.getByText('Copied').first().waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(password);
    for (const [tab, line] of [
      ['Laravel', `MAIL_PASSWORD=${password}`],
      ['Spring Boot', 'spring.mail.properties.mail.smtp.starttls.required=true'],
      ['Node (nodemailer)', `auth: { user: "invoices", pass: "${password}" }`],
    ]) {
      await once.getByRole('tab', { name: tab }).click();
      expect(await snippet.textContent()).toContain(line);
    }
    await screenshot(page, 'smtp-relay-new-credential');

    // An application uses exactly what the page showed.
    const c = await RawSmtp.connect(relayPort);
    await c.login('invoices', password);
    expectCode(await c.command('MAIL FROM:<invoices@example.com>'), 250);
    expectCode(await c.command('RCPT TO:<customer@example.net>'), 250);
    expectCode(await c.command('DATA'), 354);
    c.write('From: Invoices <invoices@example.com>\r\nTo: customer@example.net\r\nSubject: Invoice 2026-001\r\n\r\nYour invoice is attached.\r\n.\r\n');
    const id = queuedId(await c.reply());
    c.close();
    await expect.poll(() => sink.messages.filter((m) => m.subject === 'Invoice 2026-001').length, { timeout: 20_000 }).toBe(1);
    await once.getByRole('button', { name: 'Done' }).click();
    expect(await page.getByTestId('new-smtp-credential').count()).toBe(0);
    await page.goto(`/messages/${id}`);
    await page.getByText('Invoice 2026-001').first().waitFor();
    expect(await page.getByText('smtp:Invoices').count()).toBeGreaterThan(0);

    // The message came without a Message-ID: Mailroom gave it one, kept among its header fields
    // (Received, Date, Message-ID) and as its messageIdHeader. The Headers tab shows it once, first.
    const stored = (await s.live.t.request({ method: 'GET', url: `/api/v1/messages/${id}` })).json() as { headers: Record<string, string>; messageIdHeader: string; envelopeFrom: string };
    expect(Object.keys(stored.headers).sort()).toEqual(['Date', 'Message-ID', 'Received']);
    await page.getByRole('tab', { name: 'Headers (4)' }).click();
    const rows = page.locator('.headers-table tr');
    const names = await rows.locator('th').allTextContents();
    expect(names).toEqual(['Message-ID', 'Envelope-From (MAIL FROM)', 'Received', 'Date']);
    expect(await rows.first().locator('td').textContent()).toBe(stored.messageIdHeader);
    expect(await rows.nth(1).locator('td').textContent()).toBe(stored.envelopeFrom);
    await screenshot(page, 'smtp-relay-message-headers');
  });

  it('shows a failed login among the refused sessions, rotates the password, and fits a phone', async () => {
    const { page } = s;
    const c = await RawSmtp.connect(relayPort);
    await expect(c.login('invoices', 'guessed-password')).rejects.toThrow(/535/);
    c.close();
    // The refusal is recorded beside the session: the page shows it once it is stored.
    await expect.poll(async () => (await s.live.t.request({ method: 'GET', url: '/api/v1/relay/rejections' })).json().items.length, { timeout: 10_000 }).toBeGreaterThan(0);
    await page.goto('/smtp-relay');
    const row = page.getByRole('row', { name: /535 5\.7\.8 authentication failed/ });
    await row.waitFor();
    expect(await row.getByText('login').count()).toBe(1);
    // The credential's name comes from the page's credential list, which may answer after the
    // refusals (until then the cell says what was tried): wait for it, then count.
    await row.getByText('Invoices', { exact: true }).waitFor();
    expect(await row.getByText('Invoices', { exact: true }).count()).toBe(1);
    await screenshot(page, 'smtp-relay-page');

    await page.getByRole('button', { name: 'Rotate password' }).click();
    await page.getByRole('button', { name: 'Yes, rotate password' }).click();
    const once = page.getByTestId('new-smtp-credential');
    await once.getByText('Copy the password now').waitFor();
    const rotated = (await once.getByLabel('Password', { exact: true }).textContent()) ?? '';
    expect(rotated).not.toBe(password);
    const old = await RawSmtp.connect(relayPort);
    await expect(old.login('invoices', password)).rejects.toThrow(/535/);
    old.close();

    const phone = await newPage(s.browser, s.live.baseUrl, { width: 390, height: 844 });
    await phone.context.addCookies(await page.context().cookies());
    await phone.page.goto('/smtp-relay');
    await phone.page.getByTestId('relay-status').waitFor();
    await phone.page.getByText('Invoices').first().waitFor();
    await screenshot(phone.page, 'smtp-relay-phone');
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    await phone.context.close();
    expect(s.errors).toEqual([]);
    expect(phone.errors).toEqual([]);
  });

  it('warns where the account its mail leaves from may not send as a From the credential allows, until an alias covers it', async () => {
    const { page } = s;
    await page.goto('/smtp-relay');
    await page.getByLabel('Name', { exact: true }).fill('Other brand');
    await page.getByLabel('May send as').fill('news@other.example, @example.com');
    await page.getByRole('button', { name: 'Create credential' }).click();
    const once = page.getByTestId('new-smtp-credential');
    await once.getByText('Copy the password now').waitFor();
    const warning = 'billing@example.com may not send as news@other.example: the relay refuses such mail.';
    expect(await once.getByRole('note').textContent()).toContain(warning);
    // The framework settings show a From the relay takes, not the refused one.
    expect(await page.getByTestId('smtp-snippet').textContent()).toContain('app@example.com');
    expect(await page.getByTestId('smtp-snippet').textContent()).not.toContain('news@other.example');
    await screenshot(page, 'smtp-relay-refused-from');
    await once.getByRole('button', { name: 'Done' }).click();
    const row = page.getByRole('row').filter({ hasText: 'Other brand' });
    expect(await row.getByText('sends from billing@example.com').count()).toBe(1);
    expect(await row.getByRole('note').textContent()).toContain(warning);

    // The admin adds the alias: the page says so no more.
    const account = (await s.live.t.request({ method: 'GET', url: '/api/v1/accounts' })).json().items[0];
    await s.live.t.request({ method: 'PATCH', url: `/api/v1/accounts/${account.id}`, payload: { aliases: [...account.aliases, 'news@other.example'], version: account.version } });
    await page.reload();
    await row.getByText('sends from billing@example.com').waitFor();
    expect(await row.getByRole('note').count()).toBe(0);

    // A whole domain the pinned account has no "@domain" alias for: listed, and the settings
    // shown use the account's own address there, the one From of that domain the relay takes.
    const server = (await s.live.t.request({ method: 'GET', url: '/api/v1/servers' })).json().items[0];
    const brand = (await s.live.t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.id, address: 'noreply@brand.example' } })).json();
    await page.reload();
    await page.getByLabel('Name', { exact: true }).fill('Brand app');
    await page.getByLabel('May send as').fill('@brand.example');
    await page.getByLabel('Account').selectOption(brand.id);
    await page.getByRole('button', { name: 'Create credential' }).click();
    await once.getByText('Copy the password now').waitFor();
    expect(await once.getByRole('note').textContent()).toContain('noreply@brand.example may not send as every address @brand.example: the relay refuses such mail.');
    expect(await page.getByTestId('smtp-snippet').textContent()).toContain('DEFAULT_FROM_EMAIL = "noreply@brand.example"');
    expect(s.errors).toEqual([]);
  });
});
