import { afterAll, beforeAll, expect, it } from 'vitest';
import { receiveMessage } from '../../src/core/inbound/receive.service.js';
import { parseMail } from '../../src/inbound/parse-mail.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { postfixDsn } from '../helpers/inbound-mail.js';
import { haveSmtpSink, startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * An admin paused an address until a date; then a hard bounce for it was read. The pause would
 * end and mail go again to a mailbox the bounce says does not exist: the bounce's entry, for
 * good, replaces it. An entry for good (an admin's without a date) keeps its first reason.
 * Bounces are stored as the IMAP reader stores them (the same parser and core function).
 */
const sinkOk = haveSmtpSink();
if (!sinkOk && process.env.CI === 'true') throw new Error('CI=true but smtp-sink is not available');

await describeEachDialect('a hard bounce for an address paused until a date', (dialect) => {
  if (!sinkOk) return;
  let t: TestApp;
  let sink: SmtpSink;
  let accountId: string;
  let uid = 0;
  const api = (method: 'GET' | 'POST', url: string, payload?: unknown) => t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp(dialect);
    const serverId = (await api('POST', '/servers', { name: 'sink', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', requireTls: false } })).json().id;
    accountId = (await api('POST', '/accounts', { serverId, address: 'app@example.com' })).json().id;
    await t.app.startDelivery();
    const ctx = t.app.ports.ctx;
    const now = ctx.clock.now();
    expect(await ctx.store.repos.mailboxes.acquire(accountId, 'INBOX', 'test-reader', now, now + 600_000)).toBe(true);
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  /** Sends one message to `to`, waits until it is sent, and returns its id and Message-ID. */
  const sent = async (to: string) => {
    const id = (await api('POST', '/messages', { to: [to], subject: 'Invoice', text: 'Hello' })).json().id as string;
    let m: { status: string; messageIdHeader: string } | undefined;
    for (let i = 0; i < 200 && m?.status !== 'sent'; i++) {
      if (i) await new Promise((r) => setTimeout(r, 50));
      m = (await api('GET', `/messages/${id}`)).json();
    }
    expect(m?.status).toBe('sent');
    return { id, messageIdHeader: m!.messageIdHeader };
  };
  /** Stores a hard bounce (5.1.1) of that message for `to`. */
  const hardBounce = async (to: string, messageIdHeader: string) => {
    const raw = postfixDsn({ to: 'app@example.com', recipient: to, status: '5.1.1', diagnostic: '550 5.1.1 User unknown', originalMessageId: messageIdHeader, id: `hard-${dialect}-${++uid}` });
    const out = await receiveMessage(t.app.ports.ctx, { accountId, folder: 'INBOX', owner: 'test-reader', uidValidity: '1', uid }, { mail: await parseMail(raw, raw.length, false), fallbackId: `<hard-${uid}@x>` });
    expect(out).toMatchObject({ stored: true, kind: 'bounce' });
  };
  const entry = async (address: string) => (await api('GET', `/suppressions?q=${encodeURIComponent(address)}`)).json().items.find((s: { address: string }) => s.address === address);

  it('replaces the pause with a hard_bounce entry for good, audited with the pause as before', async () => {
    const { messageIdHeader } = await sent('paused@example.org');
    const pause = await api('POST', '/suppressions', { address: 'paused@example.org', detail: 'pause for a day', expiresAt: '2999-01-01T00:00:00Z' });
    expect(pause.statusCode, pause.body).toBe(201);
    await hardBounce('paused@example.org', messageIdHeader);
    expect(await entry('paused@example.org')).toMatchObject({ reason: 'hard_bounce', expiresAt: null, createdBy: 'system', detail: expect.stringContaining('5.1.1') });
    const audit = (await api('GET', '/audit?action=suppression.add')).json().items.find((a: { targetId: string; after?: { reason?: string } }) => a.targetId === 'paused@example.org' && a.after?.reason === 'hard_bounce');
    expect(audit).toMatchObject({ actor: 'system', before: { reason: 'manual', detail: 'pause for a day', expiresAt: '2999-01-01T00:00:00.000Z' }, after: { reason: 'hard_bounce', expiresAt: null } });
  });

  it("keeps an admin's entry for good as it is (its first reason)", async () => {
    const { messageIdHeader } = await sent('listed@example.org');
    expect((await api('POST', '/suppressions', { address: 'listed@example.org', detail: 'left the company' })).statusCode).toBe(201);
    await hardBounce('listed@example.org', messageIdHeader);
    expect(await entry('listed@example.org')).toMatchObject({ reason: 'manual', detail: 'left the company', expiresAt: null });
  });
});
