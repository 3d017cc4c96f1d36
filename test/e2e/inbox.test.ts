import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiveMessage } from '../../src/core/inbound/receive.service.js';
import { parseMail } from '../../src/inbound/parse-mail.js';
import { composeReply, postfixDsn } from '../helpers/inbound-mail.js';
import { chromiumAvailable, openAdminSession, screenshot, watchContentSecurity, type AdminSession } from './harness.js';

/**
 * The inbox in the email log and the thread of a sent message, in Chromium. The received mail
 * is stored the way the IMAP reader stores it (parsed by the same parser, through the same core
 * function and cursor); reading it from a real Dovecot is test/integration/inbound-imap.test.ts.
 */
const run = chromiumAvailable();

describe.runIf(run)('inbox and thread in Chromium', { timeout: 90_000 }, () => {
  let s: AdminSession;
  let violations: string[];
  let sentId: string;
  const api = async (method: string, url: string, payload?: unknown) => {
    const res = await s.live.t.request({ method: method as 'POST', url: `/api/v1${url}`, payload: payload as Record<string, unknown> });
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.json();
  };

  beforeAll(async () => {
    s = await openAdminSession('sqlite', { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
    violations = await watchContentSecurity(s.page);
    const { id } = await api('POST', '/messages', { to: ['bea@example.net', 'gone@example.net'], subject: 'Your invitation', text: 'Hello' });
    sentId = id;
    for (let i = 0; i < 100 && (await api('GET', `/messages/${id}`)).status !== 'logged'; i++) await new Promise((r) => setTimeout(r, 100));
    const sent = await api('GET', `/messages/${id}`);
    const ctx = s.live.t.app.ports.ctx;
    const accountId = sent.accountId as string;
    const now = ctx.clock.now();
    expect(await ctx.store.repos.mailboxes.acquire(accountId, 'INBOX', 'e2e-reader', now, now + 600_000)).toBe(true);
    const mails = [
      await composeReply({ from: 'Bea <bea@example.net>', to: 'app@example.com', subject: 'Re: Your invitation', inReplyTo: sent.messageIdHeader, text: "Count me in!\n\nOn Monday App wrote:\n> Hello\n" }),
      postfixDsn({ to: 'app@example.com', recipient: 'gone@example.net', status: '5.1.1', diagnostic: '550 5.1.1 <gone@example.net>: User unknown', originalMessageId: sent.messageIdHeader, id: 'e2e-bounce' }),
    ];
    for (const [i, raw] of mails.entries()) {
      const out = await receiveMessage(ctx, { accountId, folder: 'INBOX', owner: 'e2e-reader', uidValidity: '1', uid: i + 1 }, { mail: await parseMail(raw, raw.length, false), fallbackId: `<e2e-${i}@x>` });
      expect(out.stored).toBe(true);
    }
  });
  afterAll(async () => s?.close());

  it('shows received mail in the inbox, unread first, with the direction filter', async () => {
    const { page } = s;
    await page.goto('/messages?direction=in');
    const rows = page.locator('table tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    const text = await page.locator('main').innerText();
    expect(text).toContain('Re: Your invitation');
    expect(text).toContain('Undelivered Mail Returned to Sender');
    expect(text).not.toContain('\nYour invitation');
    await screenshot(page, 'inbox');
  });

  it('shows the thread of the sent message: its reply and its bounce, and the bounced recipient', async () => {
    const { page } = s;
    await page.goto(`/messages/${sentId}`);
    const thread = page.locator('section', { has: page.getByRole('heading', { name: 'Replies and bounces' }) });
    await expect.poll(() => thread.locator('tbody tr').count()).toBe(2);
    const t = await thread.innerText();
    expect(t).toContain('reply');
    expect(t).toContain('bounce');
    expect(await page.locator('main').innerText()).toContain('5.1.1');
    await screenshot(page, 'thread');

    await thread.getByRole('link', { name: 'Re: Your invitation' }).click();
    await page.getByRole('heading', { name: 'Received reply' }).waitFor();
    expect(await page.locator('main').innerText()).toContain('Count me in!');
    // Its own header, a row per field as in its source; its Message-ID once.
    await page.getByRole('tab', { name: /^Headers/ }).click();
    const header = page.locator('.headers-table');
    await expect.poll(() => header.locator('th', { hasText: /^In-Reply-To$/ }).count()).toBe(1);
    expect(await header.locator('th', { hasText: /^Message-ID$/ }).count()).toBe(1);
    expect(await header.innerText()).toContain('bea@example.net');
    await screenshot(page, 'reply-headers');
    // Received mail neither expires nor has deliveries to its recipients to report.
    expect(await page.locator('dt', { hasText: /^Expires$/ }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Recipients' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Mark read' }).click();
    await page.getByRole('button', { name: 'Mark unread' }).waitFor();
    await screenshot(page, 'reply');
    expect((await api('GET', '/messages?direction=in&read=false')).items).toHaveLength(1);
  });

  it("shows the reader's state on the account", async () => {
    const { page } = s;
    const sent = await api('GET', `/messages/${sentId}`);
    const ctx = s.live.t.app.ports.ctx;
    await ctx.store.repos.mailboxes.report(sent.accountId, 'INBOX', { state: 'failing', lastError: 'Authentication failed.', failures: 3, nextAttemptAt: ctx.clock.now() + 40_000 }, ctx.clock.now());
    // What the reader read and did not store shows beside what it stored.
    await s.live.t.app.infra.db.updateTable('inbound_mailboxes').set({ quarantined_count: 1, duplicate_count: 2 }).where('account_id', '=', sent.accountId).where('folder', '=', 'INBOX').execute();
    await page.goto(`/accounts/${sent.accountId}`);
    const card = page.locator('section', { has: page.getByRole('heading', { name: 'Reading the mailbox' }) });
    await expect.poll(() => card.innerText()).toContain('Authentication failed.');
    const text = await card.innerText();
    expect(text).toContain('INBOX');
    expect(text).toContain('failing');
    expect(text).toContain('next try');
    expect(text).toMatch(/\d+ \(\+1 quarantined, 2 already stored\)/);
    await screenshot(page, 'reader-state');
    expect(violations).toEqual([]);
    expect(s.errors).toEqual([]);
  });
});
