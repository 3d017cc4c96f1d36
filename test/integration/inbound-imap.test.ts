import { beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { inboundApp } from '../helpers/inbound-app.js';
import { mailPeers } from '../helpers/mail-peers.js';
import { append, arfComplaint, composeReply, exchangeDsn, folderState, imapSession, outOfOffice, postfixDsn, unparseable } from '../helpers/inbound-mail.js';
import { messageIdOf } from '../helpers/smtp-sink.js';
import { enableWebhookEndpoint } from '../helpers/test-app.js';

/**
 * Reading an account's mailbox from a private Dovecot, end to end: a reply written by a real
 * client is stored and linked to the message it answers (its own words apart from the quote);
 * a DSN built like Postfix's and one like Exchange's (headers only) bounce the right recipient
 * and suppress it, so a later send to it is `suppressed`; an out-of-office is no bounce; an ARF
 * complaint suppresses; an unreadable message is quarantined and the next one still arrives; a
 * new UIDVALIDITY stores nothing twice; nothing is ever deleted from the mailbox. A confirmed
 * test email is confirmed when the account's own mailbox receives it, bounced on its bounce, and
 * reads as timeout after ten minutes (the app's clock moved ahead).
 */
const PASSWORD = 'Inbound-Secret-9';
const peers = mailPeers('mailroom-inbound-', () => ({ 'app-sqlite@example.com': PASSWORD, 'app-postgres@example.com': PASSWORD }), 'inbound IMAP');

type Summary = { id: string; kind: string; status: string; inReplyTo: string | null; subject: string; read: boolean; lastError: string | null };

await describeEachDialect('inbound mail over IMAP (Dovecot)', (dialect) => {
  if (!peers.ready) return;
  const user = `app-${dialect}@example.com`;
  const appended = { INBOX: 0, Bounces: 0 };
  // Real time, plus a jump the timeout test makes (and takes back).
  let ahead = 0;
  const clock = { now: () => Date.now() + ahead };

  // A plain internal relay without AUTH, and a password for IMAP over TLS: accepted.
  const app = inboundApp<Summary>(dialect, {
    peers,
    address: user,
    password: PASSWORD,
    inbound: { folders: ['INBOX', 'Bounces'], afterProcessing: 'flag' },
    tuning: { pollMs: 300, refreshMs: 200, backoffBaseMs: 200, leaseMs: 10_000 },
    diagnose: 'status and log',
    app: { clock },
  });
  const { api, until, send, received } = app;
  beforeAll(async () => {
    // Events are journaled (for webhooks) while an endpoint is enabled.
    await enableWebhookEndpoint(app.t);
    expect(app.account.inbound).toEqual({ enabled: true, folders: ['INBOX', 'Bounces'], afterProcessing: 'flag', moveTo: null });
    expect(app.inbound.reading().sort()).toEqual([`${app.accountId}/Bounces`, `${app.accountId}/INBOX`]);
  });
  const put = async (folder: 'INBOX' | 'Bounces', ...m: Buffer[]) => {
    await append(peers.dovecot, user, PASSWORD, folder, ...m);
    appended[folder] += m.length;
  };
  const journal = async (messageId: string) => (await app.t.app.infra.db.selectFrom('event_journal').selectAll().where('message_id', '=', messageId).orderBy('id').execute()).map((j) => ({ type: j.type, data: JSON.parse(j.data) }));

  it('stores a reply written by a real client, links it, and separates its own words from the quote', async () => {
    const out = await send(['bea@example.net']);
    await put('INBOX', await composeReply({ from: 'Bea <bea@example.net>', to: user, subject: 'Re: Your invitation', inReplyTo: out.messageIdHeader, text: "Thanks, I'll be there.\n\nOn Monday App wrote:\n> Hello\n" }));
    const reply = await until('the reply', async () => (await received()).find((m) => m.kind === 'reply'));
    expect(reply).toMatchObject({ status: 'received', inReplyTo: out.id, subject: 'Re: Your invitation', read: false });
    const detail = (await api('GET', `/messages/${reply.id}`)).json();
    expect(detail.replyText).toBe("Thanks, I'll be there.");
    expect(detail.text).toContain('> Hello');
    expect(detail.from).toBe('Bea <bea@example.net>');
    // Its own header, as Dovecot stored it: what the reply answers, and who wrote it.
    expect(detail.headers).toMatchObject({ 'In-Reply-To': out.messageIdHeader, Subject: 'Re: Your invitation' });
    expect(detail.headers.From).toContain('bea@example.net');
    const original = (await api('GET', `/messages/${out.id}`)).json();
    expect(original.replies.map((r: Summary) => r.id)).toEqual([reply.id]);
    expect(original.bounces).toEqual([]);
    expect((await journal(out.id)).map((j) => j.type)).toContain('message.replied');
    expect((await journal(reply.id)).map((j) => j.type)).toEqual(['message.received']);
    // The inbox's read status.
    expect((await api('GET', '/inbound/status')).json().unread).toBe(1);
    expect((await api('PATCH', `/messages/${reply.id}`, { read: true })).json().read).toBe(true);
    expect((await api('GET', '/inbound/status')).json().unread).toBe(0);
    expect((await api('GET', '/messages?direction=in&read=false')).json().items).toEqual([]);
    expect((await api('PATCH', `/messages/${out.id}`, { read: true })).json().error.code).toBe('MAILROOM_E_INVALID_STATE');
  });

  it('bounces the right recipient on a Postfix DSN, suppresses it, and a later send to it is suppressed', async () => {
    const out = await send(['ok@example.net', 'gone@example.net']);
    await put('Bounces', postfixDsn({ to: user, recipient: 'gone@example.net', status: '5.1.1', diagnostic: '550 5.1.1 <gone@example.net>: Recipient address rejected: User unknown', originalMessageId: out.messageIdHeader, id: `pf-${dialect}` }));
    const bounce = await until('the bounce', async () => (await received()).find((m) => m.kind === 'bounce'));
    expect(bounce.inReplyTo).toBe(out.id);
    const m = (await api('GET', `/messages/${out.id}`)).json();
    const rcpt = Object.fromEntries(m.recipients.map((r: { address: string }) => [r.address, r]));
    expect(rcpt['gone@example.net']).toMatchObject({ status: 'bounced', code: 550, enhancedCode: '5.1.1' });
    expect(rcpt['gone@example.net'].response).toContain('User unknown');
    expect(rcpt['ok@example.net'].status).toBe('accepted');
    expect(m.status).toBe('sent');
    expect(m.bounces.map((b: Summary) => b.id)).toEqual([bounce.id]);
    const list = (await api('GET', '/suppressions')).json().items;
    expect(list).toContainEqual(expect.objectContaining({ address: 'gone@example.net', reason: 'hard_bounce', sourceMessageId: bounce.id, createdBy: 'system' }));
    const bounced = (await journal(out.id)).find((j) => j.type === 'message.bounced');
    expect(bounced?.data).toMatchObject({ status: 'bounced', recipients: [{ address: 'gone@example.net', status: 'bounced', enhancedCode: '5.1.1' }], inbound: { id: bounce.id, kind: 'bounce' } });
    const later = await api('POST', '/messages', { to: ['gone@example.net'], subject: 'Again', text: 'x' });
    expect(later.json().status).toBe('suppressed');
  });

  it('bounces on an Exchange DSN whose returned part holds the headers only: the message is bounced as a whole', async () => {
    const out = await send(['nobody@contoso.example']);
    await put('Bounces', exchangeDsn({ to: user, recipient: 'nobody@contoso.example', originalMessageId: out.messageIdHeader, id: `ex-${dialect}` }));
    await until('the message to be bounced', async () => (await api('GET', `/messages/${out.id}`)).json().status === 'bounced');
    const m = (await api('GET', `/messages/${out.id}`)).json();
    expect(m.recipients[0]).toMatchObject({ status: 'bounced', enhancedCode: '5.1.10', code: 550 });
    expect((await api('GET', '/suppressions?q=contoso')).json().items[0]).toMatchObject({ address: 'nobody@contoso.example', reason: 'hard_bounce' });
  });

  /** Sends a confirmed test email and waits until the relay has it: its bytes as delivered. */
  const confirmedTest = async () => {
    const res = await api('POST', `/accounts/${app.accountId}/test`, { confirm: true });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ messageId: expect.any(String), confirmation: 'pending', confirmationError: null });
    const id = res.json().messageId as string;
    const m = await until('the test email to be sent', async () => {
      const d = (await api('GET', `/messages/${id}`)).json();
      return d.status === 'sent' && d;
    });
    expect(m).toMatchObject({ purpose: 'test', to: [user], confirmation: 'pending' });
    const dump = peers.sink.messages().find((d) => messageIdOf(d) === m.messageIdHeader);
    if (!dump) throw new Error(`the relay has no message ${m.messageIdHeader}`);
    // smtp-sink writes its X-*-Args lines first; the message follows.
    return { id, messageIdHeader: m.messageIdHeader as string, bytes: Buffer.from(dump.replace(/^(X-[A-Za-z-]+-Args:[^\n]*\n)+/, '').replace(/\r?\n/g, '\r\n')) };
  };
  const confirmation = async (id: string) => (await api('GET', `/messages/${id}`)).json().confirmation as string;

  it('confirms a test email once the account\'s own mailbox receives it', async () => {
    const test = await confirmedTest();
    await put('INBOX', test.bytes);
    await until('the test email to be confirmed', async () => (await confirmation(test.id)) === 'confirmed');
    const copy = (await received()).find((m) => m.subject.startsWith('Mailroom test message from'));
    expect(copy).toMatchObject({ kind: 'mail', status: 'received' });
    // A message sent without confirm has none.
    expect(await confirmation((await send(['plain@example.net'])).id)).toBeNull();
  });

  it('records a bounced test email, and a pending one reads as timeout after ten minutes', async () => {
    const test = await confirmedTest();
    await put('Bounces', postfixDsn({ to: user, recipient: user, status: '4.2.2', diagnostic: '452 4.2.2 Mailbox full', originalMessageId: test.messageIdHeader, id: `full-${dialect}` }));
    await until('the test email to be bounced', async () => (await confirmation(test.id)) === 'bounced');

    const late = await confirmedTest();
    ahead = 10 * 60_000 - 5_000;
    expect(await confirmation(late.id)).toBe('pending');
    ahead = 10 * 60_000 + 5_000;
    try {
      expect(await confirmation(late.id)).toBe('timeout');
    } finally {
      ahead = 0;
    }
    // It arrives after all: a late arrival still confirms it.
    await put('INBOX', late.bytes);
    await until('the late test email to be confirmed', async () => (await confirmation(late.id)) === 'confirmed');
  });

  it('refuses a confirmed test email for an account that does not read its mailbox, or with another recipient', async () => {
    const other = await api('POST', '/accounts', { serverId: (await api('GET', `/accounts/${app.accountId}`)).json().serverId, address: `quiet-${dialect}@example.com`, password: PASSWORD });
    expect(other.statusCode).toBe(201);
    const refused = await api('POST', `/accounts/${other.json().id}/test`, { confirm: true });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({ code: 'MAILROOM_E_INBOUND_NOT_READ', details: { field: 'confirm' } });
    expect(refused.json().error.message).toContain('does not read its mailbox');
    const elsewhere = await api('POST', `/accounts/${app.accountId}/test`, { confirm: true, to: 'someone@example.net' });
    expect(elsewhere.statusCode).toBe(400);
    expect(elsewhere.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'to' } });
    expect((await api('POST', `/accounts/${app.accountId}/test`, { confirm: 'yes' })).statusCode).toBe(400);
  });

  it('links an out-of-office without bouncing anyone, and suppresses on an ARF complaint', async () => {
    const out = await send(['away@example.net']);
    await put('INBOX', outOfOffice({ from: 'away@example.net', to: user, inReplyTo: out.messageIdHeader, id: `ooo-${dialect}` }));
    const ooo = await until('the out-of-office', async () => (await received()).find((m) => m.kind === 'auto_reply'));
    expect(ooo.inReplyTo).toBe(out.id);
    const m = (await api('GET', `/messages/${out.id}`)).json();
    expect([m.status, m.recipients[0].status]).toEqual(['sent', 'accepted']);
    expect((await api('GET', '/suppressions?q=away')).json().items).toEqual([]);

    await put('INBOX', arfComplaint({ to: user, recipient: 'away@example.net', originalMessageId: out.messageIdHeader, id: `arf-${dialect}` }));
    const complaint = await until('the complaint', async () => (await received()).find((x) => x.kind === 'complaint'));
    expect(complaint.inReplyTo).toBe(out.id);
    expect((await api('GET', '/suppressions?q=away')).json().items[0]).toMatchObject({ reason: 'complaint', sourceMessageId: complaint.id });
  });

  it('quarantines a message it cannot read and goes on with the next', async () => {
    await put('INBOX', unparseable(`broken-${dialect}`), await composeReply({ from: 'carl@example.net', to: user, subject: 'After the broken one', inReplyTo: '<unrelated@example.net>', text: 'still here' }));
    const next = await until('the message after the broken one', async () => (await received()).find((m) => m.subject === 'After the broken one'));
    expect(next).toMatchObject({ kind: 'mail', status: 'received', inReplyTo: null });
    // A message read whole keeps its fields, not its bytes: said as received, not as composed by Mailroom.
    const noRaw = (await app.t.request({ method: 'GET', url: `/api/v1/messages/${next.id}/raw` })).json().error;
    expect(noRaw).toMatchObject({ code: 'MAILROOM_E_NOT_FOUND' });
    expect(noRaw.message).toContain('was received over IMAP and stored as its fields and parts');
    const broken = (await received()).find((m) => m.status === 'quarantined');
    expect(broken?.lastError).toContain('quarantined: Max header size');
    expect((await app.t.request({ method: 'GET', url: `/api/v1/messages/${broken?.id}/raw` })).body).toContain('Subject: broken');
    const state = await until('the reader to be watching', async () => {
      const b = (await api('GET', '/inbound/status')).json().mailboxes.find((x: { folder: string }) => x.folder === 'INBOX');
      return b.state === 'watching' && b;
    });
    expect(state).toMatchObject({ accountId: app.accountId, lastError: null, quarantinedCount: 1, storedCount: appended.INBOX - 1, lastUid: appended.INBOX });
  });

  it('stores nothing twice when UIDVALIDITY changes, and never deletes a message', async () => {
    const before = await received();
    const old = (await api('GET', '/inbound/status')).json().mailboxes.find((b: { folder: string }) => b.folder === 'Bounces');
    // The folder is recreated (restored from a backup, say): same messages, a new UIDVALIDITY.
    const copies = await imapSession(peers.dovecot, user, PASSWORD, async (c) => {
      await c.mailboxOpen('Bounces');
      const all: Buffer[] = [];
      for await (const m of c.fetch('1:*', { source: true })) if (m.source) all.push(m.source);
      await c.mailboxClose();
      await c.mailboxDelete('Bounces');
      return all;
    }).catch((err) => {
      throw new Error(`could not recreate the folder: ${err.responseText ?? err.message}`);
    });
    // The reader notices the folder is gone (and may fail on it meanwhile); then it is back, whole:
    // filled under another name and renamed, as a restore would (appending into 'Bounces' itself
    // raced the reader's own look at the folder: Dovecot answered "Mailbox was deleted under us").
    await imapSession(peers.dovecot, user, PASSWORD, async (c) => {
      await c.mailboxCreate('Restored');
      for (const m of copies) await c.append('Restored', m);
      await c.mailboxRename('Restored', 'Bounces');
    }).catch((err) => {
      throw new Error(`could not fill the recreated folder: ${err.responseText ?? err.message}`);
    });
    expect(copies.length).toBe(appended.Bounces);
    await until('the reader to read the new folder', async () => {
      const b = (await api('GET', '/inbound/status')).json().mailboxes.find((x: { folder: string }) => x.folder === 'Bounces');
      return b.uidValidity !== old.uidValidity && b.lastUid === copies.length && b.state === 'watching';
    });
    expect((await received()).map((m) => m.id).sort()).toEqual(before.map((m) => m.id).sort());
    // Nothing deleted; every message flagged \Seen as configured.
    for (const folder of ['INBOX', 'Bounces'] as const) {
      const s = await folderState(peers.dovecot, user, PASSWORD, folder).catch((err) => {
        throw new Error(`could not read ${folder}: ${err.responseText ?? err.message}`);
      });
      expect([folder, s.count, s.seen]).toEqual([folder, appended[folder], appended[folder]]);
    }
  });
});
