import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, haveDovecot, selfSignedCert, startDovecot, tempDir, type DovecotInstance } from '../helpers/diagnostics-peers.js';
import { append, composeReply, folderState } from '../helpers/inbound-mail.js';
import { chromiumAvailable, openAdminSession, screenshot, watchContentSecurity, type AdminSession } from './harness.js';

/**
 * Inbound reading set up entirely in Chromium, then checked through the API and a private
 * Dovecot: a plain internal SMTP relay gets an IMAP section with a pinned certificate (the trust
 * is kept for IMAP although SMTP is unencrypted); an account on it takes a password (used for
 * IMAP only, the form says so) and switches reading on with its folder and "mark read"; the API's
 * refusal of a move target that is also read appears beside the field; the reader then stores a
 * message from the mailbox and marks it \Seen. On Settings, the soft-bounce count and window are
 * saved, and a value the API refuses is shown with its words.
 */
const run = chromiumAvailable();
const PASSWORD = 'Reader-Secret-9';
const USER = 'reader@example.com';
if (run && !haveDovecot() && process.env.CI === 'true') throw new Error('CI=true but Dovecot (run as root) is not available');

describe.runIf(run && haveDovecot())('inbound settings in Chromium', { timeout: 120_000 }, () => {
  let s: AdminSession;
  let dir: string;
  let dovecot: DovecotInstance;
  let pem: string;
  let serverId: string;
  let violations: string[];
  const api = async (method: string, url: string, payload?: unknown) => {
    const res = await s.live.t.request({ method: method as 'POST', url: `/api/v1${url}`, payload: payload as Record<string, unknown> });
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.json();
  };

  beforeAll(async () => {
    dir = tempDir('mailroom-e2e-inbound-');
    const cert = selfSignedCert(dir, 'imap.test.invalid');
    pem = cert.cert.trim();
    dovecot = await startDovecot(cert, { [USER]: PASSWORD });
    s = await openAdminSession('sqlite', { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    violations = await watchContentSecurity(s.page);
    // An internal relay without TLS or AUTH (nothing listens: this suite sends nothing).
    serverId = (await api('POST', '/servers', { name: 'Internal relay', smtp: { host: '127.0.0.1', port: await closedPort(), security: 'none', requireTls: false } })).id;
  }, 60_000);
  afterAll(async () => {
    await s?.close();
    await dovecot?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('gives a plain relay an IMAP section with a pinned certificate', async () => {
    const { page } = s;
    await page.goto(`/servers/${serverId}`);
    const form = page.getByRole('form', { name: 'Edit server Internal relay' });
    // SMTP is unencrypted, so no certificate check is offered until IMAP over TLS needs one.
    expect(await form.getByText('Certificate check').count()).toBe(0);
    await form.locator('summary', { hasText: /^IMAP$/ }).click();
    await form.getByLabel(/This server also offers IMAP/).check();
    await form.getByLabel('IMAP host').fill('127.0.0.1');
    await form.getByLabel('IMAP encryption').selectOption('tls');
    await form.getByLabel('IMAP port').fill(String(dovecot.imapsPort));
    await expect.poll(() => form.getByText('Certificate check (IMAP)').count()).toBe(1);
    await form.getByLabel('Pin a certificate or fingerprint').check();
    // Dovecot's certificate is self-signed: pinning the certificate itself makes it the trust anchor.
    await form.getByLabel('or PEM certificate').fill(pem);
    await form.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(async () => (await api('GET', `/servers/${serverId}`)).imap).toEqual({ host: '127.0.0.1', port: dovecot.imapsPort, security: 'tls' });
    const smtp = (await api('GET', `/servers/${serverId}`)).smtp;
    expect(smtp.security).toBe('none');
    expect(smtp.tlsTrust).toEqual({ mode: 'pinned', certificate: pem });
  });

  it('creates an account that reads its mailbox, and the reader stores and marks its mail', async () => {
    const { page } = s;
    await page.goto('/accounts/new');
    const form = page.getByRole('form', { name: 'New account' });
    await form.getByLabel('Mail server').selectOption(serverId);
    await form.getByLabel('Sender address').fill(USER);
    await form.getByLabel('Password', { exact: true }).fill(PASSWORD);
    // The relay takes no AUTH: the password is accepted for IMAP only, and the form says so.
    await expect.poll(() => form.locator('.alert').innerText()).toContain('the password is used for IMAP only');
    await form.getByText('Reading the mailbox (IMAP)').click();
    const inbound = form.getByTestId('inbound');
    expect(await inbound.innerText()).toContain(`127.0.0.1:${dovecot.imapsPort}`);
    expect(await inbound.innerText()).toContain('certificates checked against a pinned certificate');
    await inbound.getByLabel("Read this account's mailbox").check();
    await inbound.getByLabel('After storing a message').selectOption('move');
    await inbound.getByLabel('Move to folder').fill('INBOX');
    await form.getByRole('button', { name: 'Create account' }).click();
    // The API's refusal, beside the field it names (the form refuses nothing itself).
    await expect.poll(() => inbound.locator('.field-error').innerText()).toContain('"INBOX" is also read');
    expect((await api('GET', '/accounts')).items).toEqual([]);
    await screenshot(page, 'inbound-account-refused');

    await inbound.getByLabel('After storing a message').selectOption('flag');
    await form.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/accounts\/acc_/);
    const [account] = (await api('GET', '/accounts')).items;
    expect(account.inbound).toEqual({ enabled: true, folders: ['INBOX'], afterProcessing: 'flag', moveTo: null });
    expect(account.passwordSet).toBe(true);
    expect(JSON.stringify(account)).not.toContain(PASSWORD);

    // Mail in the mailbox is read (the worker also looks every 30 s; the test asks it now).
    await append(dovecot, USER, PASSWORD, 'INBOX', await composeReply({ from: 'someone@example.net', to: USER, subject: 'Hello reader', text: 'Hi!', inReplyTo: '<unknown@example.net>' }));
    await (await s.live.t.app.startInbound()).refresh();
    const subjects = async () => (await api('GET', '/messages?direction=in')).items.map((m: { subject: string }) => m.subject);
    await expect
      .poll(subjects, { timeout: 30_000 })
      .toEqual(['Hello reader'])
      .catch(async (err: Error) => {
        throw new Error(`${err.message}; the reader's state: ${JSON.stringify((await api('GET', '/inbound/status')).mailboxes)}`);
      });
    await expect.poll(async () => (await folderState(dovecot, USER, PASSWORD, 'INBOX')).seen, { timeout: 15_000 }).toBe(1);

    // The saved form shows reading on, the password only as "set", and the reader's state.
    await page.reload();
    const saved = page.getByRole('form', { name: `Edit account ${USER}` });
    expect(await saved.getByTestId('inbound').getAttribute('open')).not.toBeNull();
    expect(await saved.getByLabel('Folders to read').inputValue()).toBe('INBOX');
    expect(await saved.getByLabel('After storing a message').inputValue()).toBe('flag');
    expect(await saved.getByText('set', { exact: true }).count()).toBe(1);
    expect(await page.content()).not.toContain(PASSWORD);
    await expect.poll(() => page.getByRole('region', { name: 'Reading the mailbox' }).innerText(), { timeout: 15_000 }).toContain('INBOX');
    await screenshot(page, 'inbound-account-reading');

    // Several accounts at once, confirmed: the reading account's test waits for its mailbox; one
    // that does not read its own gets the API's refusal, on its own line.
    await api('POST', '/accounts', { serverId, address: 'quiet@example.com' });
    await page.goto('/accounts');
    await page.getByLabel(`Select ${USER}`).check();
    await page.getByLabel('Select quiet@example.com').check();
    const toolbar = page.getByRole('group', { name: 'Send test email' });
    await toolbar.getByLabel(/Confirm each arrives/).check();
    expect(await toolbar.getByLabel('Test email recipient').count()).toBe(0);
    await toolbar.getByRole('button', { name: 'Send test email' }).click();
    const results = page.getByRole('region', { name: 'Test emails' });
    await expect.poll(() => results.getByTestId('confirmation').getAttribute('data-confirmation')).toBe('pending');
    expect(await results.innerText()).toContain('quiet@example.com does not read its mailbox');
    const tests = (await api('GET', '/messages?purpose=test')).items;
    expect(tests.map((m: { accountId: string; confirmation: string | null }) => [m.accountId, m.confirmation])).toEqual([[account.id, 'pending']]);
    await screenshot(page, 'inbound-accounts-confirm-several');
    // The email log's row says so too (GET /messages items carry the confirmation).
    await page.goto('/messages?purpose=test');
    await expect.poll(() => page.locator('table tbody tr [data-confirmation]').getAttribute('data-confirmation')).toBe('pending');
    await screenshot(page, 'inbound-log-confirmation');

    // Switching reading off keeps the folder settings (enabled: false, not null).
    await page.goto(`/accounts/${account.id}`);
    await saved.getByLabel("Read this account's mailbox").uncheck();
    await saved.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(async () => (await api('GET', `/accounts/${account.id}`)).inbound).toEqual({ enabled: false, folders: ['INBOX'], afterProcessing: 'flag', moveTo: null });
  });

  it('sets the soft-bounce count and window on Settings', async () => {
    const { page } = s;
    await page.goto('/settings');
    const card = page.getByRole('region', { name: 'Soft bounces' });
    await expect.poll(() => card.getByLabel('Suppress at soft bounce number').inputValue()).toBe('3');
    expect(await card.getByLabel('Within (days)').inputValue()).toBe('7');
    await card.getByLabel('Suppress at soft bounce number').fill('0');
    await card.getByRole('button', { name: 'Save soft bounces' }).click();
    await expect.poll(() => card.locator('#soft-bounces-count-error').innerText()).toContain('must be at least 1 (it is 0)');
    expect((await api('GET', '/settings')).softBounces.value).toEqual({ count: 3, windowDays: 7 });

    await card.getByLabel('Suppress at soft bounce number').fill('5');
    await card.getByLabel('Within (days)').fill('14');
    await card.getByRole('button', { name: 'Save soft bounces' }).click();
    await expect.poll(async () => (await api('GET', '/settings')).softBounces.value).toEqual({ count: 5, windowDays: 14 });
    await expect.poll(() => page.locator('[data-setting=softBounces]').innerText()).toContain('14');
    const audit = await api('GET', '/audit?action=settings.update');
    expect(JSON.stringify(audit.items[0])).toContain('softBounces');
    await screenshot(page, 'settings-soft-bounces');
    expect(violations).toEqual([]);
    expect(s.errors).toEqual([]);
  });

  it('sets how long the email log keeps finished messages on Settings', async () => {
    const { page } = s;
    await page.goto('/settings');
    const card = page.getByRole('region', { name: 'Email log retention' });
    await expect.poll(() => card.getByLabel('Forever').isChecked()).toBe(true);
    expect(await card.getByLabel('Days after the last change').count()).toBe(0);
    await card.getByLabel('For a number of days').check();
    // Below the API's range: its refusal stands beside the field, nothing is stored.
    await card.getByLabel('Days after the last change').fill('3');
    await card.getByRole('button', { name: 'Save retention' }).click();
    await expect.poll(() => card.locator('#retention-days-error').innerText()).toContain('must be at least 7 (it is 3)');
    expect((await api('GET', '/settings')).retention.value).toEqual({ days: null });

    await card.getByLabel('Days after the last change').fill('90');
    await card.getByRole('button', { name: 'Save retention' }).click();
    await expect.poll(async () => (await api('GET', '/settings')).retention.value).toEqual({ days: 90 });
    await expect.poll(() => page.locator('[data-setting=retention]').innerText()).toContain('90');
    await expect.poll(() => card.getByLabel('Days after the last change').inputValue()).toBe('90');
    await screenshot(page, 'settings-retention');

    await card.getByLabel('Forever').check();
    await card.getByRole('button', { name: 'Save retention' }).click();
    await expect.poll(async () => (await api('GET', '/settings')).retention.value).toEqual({ days: null });
    expect(violations).toEqual([]);
    expect(s.errors).toEqual([]);
  });
});
