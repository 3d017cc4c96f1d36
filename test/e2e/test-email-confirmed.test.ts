import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiveMessage } from '../../src/core/inbound/receive.service.js';
import { parseMail } from '../../src/inbound/parse-mail.js';
import { haveSmtpSink, startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { chromiumAvailable, openAdminSession, screenshot, watchContentSecurity, type AdminSession } from './harness.js';

/**
 * A confirmed test email in Chromium, on a single account's page: offered only where the
 * account reads its mailbox, followed live from "pending" to "confirmed", or told at once that
 * the account's IMAP reader is failing (with its error). The message is sent
 * to a real SMTP peer (smtp-sink); its arrival is stored the way the IMAP reader stores it (the
 * same parser and core function); reading it from a real Dovecot is
 * test/integration/inbound-imap.test.ts.
 */
const run = chromiumAvailable();
if (run && !haveSmtpSink() && process.env.CI === 'true') throw new Error('CI=true but smtp-sink is not available');

describe.runIf(run && haveSmtpSink())('confirmed test email in Chromium', { timeout: 90_000 }, () => {
  let s: AdminSession;
  let sink: SmtpSink;
  let violations: string[];
  let accountId: string;
  let quietId: string;
  const api = async (method: string, url: string, payload?: unknown) => {
    const res = await s.live.t.request({ method: method as 'POST', url: `/api/v1${url}`, payload: payload as Record<string, unknown> });
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.json();
  };

  beforeAll(async () => {
    sink = await startSmtpSink();
    s = await openAdminSession('sqlite', { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    violations = await watchContentSecurity(s.page);
    // The IMAP section is never connected to here (the reader is not started).
    const server = await api('POST', '/servers', { name: 'relay', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', requireTls: false }, imap: { host: '127.0.0.1', port: 993, security: 'tls' } });
    accountId = (await api('POST', '/accounts', { serverId: server.id, address: 'confirm@example.com', password: 'Confirm-Secret-9', inbound: { folders: ['INBOX'] } })).id;
    quietId = (await api('POST', '/accounts', { serverId: server.id, address: 'quiet@example.com' })).id;
  });
  afterAll(async () => {
    await s?.close();
    await sink?.stop();
  });

  it('sends a confirmed test email from an account that reads its mailbox and shows it confirmed when it arrives', async () => {
    const { page } = s;
    // An account that does not read its mailbox is not offered the box.
    await page.goto(`/accounts/${quietId}`);
    await expect.poll(() => page.getByRole('button', { name: 'Send test email' }).count()).toBe(1);
    expect(await page.getByLabel(/Confirm it arrives/).count()).toBe(0);

    await page.goto(`/accounts/${accountId}`);
    const form = page.getByRole('form', { name: 'Send test email' });
    await form.getByLabel(/Confirm it arrives/).check();
    await expect.poll(() => form.getByLabel('Send to', { exact: true }).count()).toBe(0);
    await form.getByRole('button', { name: 'Send test email' }).click();
    const confirmation = form.getByTestId('confirmation');
    await expect.poll(() => confirmation.getAttribute('data-confirmation')).toBe('pending');
    expect(await form.getByTestId('message-watch').innerText()).toContain("waiting for the account's mailbox to receive it");

    // The account's mailbox receives it (stored as the IMAP reader stores it).
    const test = (await api('GET', `/messages?purpose=test&accountId=${accountId}`)).items[0];
    // A real SMTP send: on a loaded machine it takes longer than expect.poll's default second.
    await expect.poll(async () => (await api('GET', `/messages/${test.id}`)).status, { timeout: 15_000 }).toBe('sent');
    const detail = await api('GET', `/messages/${test.id}`);
    const ctx = s.live.t.app.ports.ctx;
    const now = ctx.clock.now();
    expect(await ctx.store.repos.mailboxes.acquire(accountId, 'INBOX', 'e2e-reader', now, now + 600_000)).toBe(true);
    const raw = Buffer.from([`Message-ID: ${detail.messageIdHeader}`, 'From: confirm@example.com', 'To: confirm@example.com', `Subject: ${detail.subject}`, 'Date: Mon, 30 Nov 2026 10:00:00 +0000', '', 'This is a test message.', ''].join('\r\n'));
    await receiveMessage(ctx, { accountId: accountId, folder: 'INBOX', owner: 'e2e-reader', uidValidity: '1', uid: 1 }, { mail: await parseMail(raw, raw.length, false), fallbackId: '<e2e-confirm@x>' });
    await expect.poll(() => confirmation.getAttribute('data-confirmation'), { timeout: 10_000 }).toBe('confirmed');
    expect(await confirmation.innerText()).toContain("received in the account's own mailbox");
    await screenshot(page, 'test-email-confirmed');
    expect(violations).toEqual([]);
    expect(s.errors).toEqual([]);
  });

  it("says at once that the account's reader is failing, with its error, and goes back to waiting when it reads again", async () => {
    const { page } = s;
    const ctx = s.live.t.app.ports.ctx;
    // The reader's state as a failing reader records it (reading from a real Dovecot that
    // refuses the login: test/integration/inbound-confirmation-reader-failing.test.ts).
    const report = (state: 'failing' | 'watching', lastError: string | null) => ctx.store.repos.mailboxes.report(accountId, 'INBOX', { state, lastError, failures: state === 'failing' ? 3 : 0, nextAttemptAt: null }, ctx.clock.now());
    await report('failing', 'the IMAP server refused the login as confirm@example.com: Authentication failed.');
    await page.goto(`/accounts/${accountId}`);
    const form = page.getByRole('form', { name: 'Send test email' });
    await form.getByLabel(/Confirm it arrives/).check();
    await form.getByRole('button', { name: 'Send test email' }).click();
    const confirmation = form.getByTestId('confirmation');
    await expect.poll(() => confirmation.getAttribute('data-confirmation')).toBe('reader_failing');
    expect(await confirmation.innerText()).toContain("the account's mailbox reader is failing");
    expect(await form.getByTestId('confirmation-error').innerText()).toContain('refused the login as confirm@example.com');
    await screenshot(page, 'test-email-reader-failing');
    await report('watching', null);
    await expect.poll(() => confirmation.getAttribute('data-confirmation'), { timeout: 10_000 }).toBe('pending');
    expect(await form.getByTestId('confirmation-error').count()).toBe(0);
    expect(s.errors).toEqual([]);
  });
});
