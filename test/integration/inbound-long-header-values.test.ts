import { expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { inboundApp } from '../helpers/inbound-app.js';
import { append, composeReply, postfixDsn } from '../helpers/inbound-mail.js';
import { mailPeers } from '../helpers/mail-peers.js';

/**
 * Header values longer than the log's columns, read from a private Dovecot: a Message-ID over
 * 400 characters (message_id_header is varchar(400)) and a Return-Path over 320 (envelope_from
 * is varchar(320)). Anyone can write them; PostgreSQL refused the row ("value too long"), so the
 * message was quarantined there (a real bounce missed, a reply not linked) while SQLite stored
 * it. Each store must store, classify and act on them alike.
 */
const PASSWORD = 'Long-Values-Secret-5';
const account = (d: string) => `long-${d}@example.com`;
const peers = mailPeers('mailroom-long-values-', () => ({ [account('sqlite')]: PASSWORD, [account('postgres')]: PASSWORD }));

/** A Message-ID of `n` characters with its angle brackets, unique per `tag`. */
const longId = (tag: string, n: number) => {
  const right = '@mx.example.net>';
  const left = `<${tag}.`;
  return `${left}${'x'.repeat(n - left.length - right.length)}${right}`;
};

await describeEachDialect('received mail with header values longer than the columns (Dovecot)', (dialect) => {
  if (!peers.ready) return;
  const main = account(dialect);
  type Summary = { id: string; kind: string; status: string; inReplyTo: string | null; subject: string; lastError: string | null };
  const { api, until, send, received } = inboundApp<Summary>(dialect, {
    peers,
    address: main,
    password: PASSWORD,
    tuning: { maxBodyBytes: 200_000, pollMs: 300, refreshMs: 60_000, backoffBaseMs: 200, backoffMaxMs: 400, leaseMs: 10_000 },
    diagnose: 'status and log',
  });
  const detail = async (id: string) => (await api('GET', `/messages/${id}`)).json() as { status: string; messageIdHeader: string; envelopeFrom: string; headers: Record<string, string>; recipients: { address: string; status: string; enhancedCode: string | null }[] };
  const mailbox = async () => (await api('GET', '/inbound/status')).json().mailboxes.find((b: { folder: string }) => b.folder === 'INBOX') as { storedCount: number; duplicateCount: number; quarantinedCount: number };

  it('a DSN whose own Message-ID is longer than 400 characters still bounces the message it returns', async () => {
    const gone = `gone-${dialect}@example.org`;
    const out = await send([gone]);
    const dsn = postfixDsn({ to: main, recipient: gone, status: '5.1.1', diagnostic: '550 5.1.1 User unknown', originalMessageId: out.messageIdHeader, id: 'unused' })
      .toString()
      .replace('Message-Id: <unused@mx.example.net>', `Message-Id: ${longId(`dsn-${dialect}`, 450)}`);
    await append(peers.dovecot, main, PASSWORD, 'INBOX', Buffer.from(dsn));
    const bounce = await until('the bounce', async () => (await received()).find((m) => m.subject === 'Undelivered Mail Returned to Sender'));
    expect(bounce).toMatchObject({ kind: 'bounce', status: 'received', inReplyTo: out.id, lastError: null });
    expect((await detail(out.id)).recipients[0]).toMatchObject({ address: gone, status: 'bounced', enhancedCode: '5.1.1' });
    const stored = await detail(bounce.id);
    expect(stored.messageIdHeader.length).toBeLessThanOrEqual(400);
    // The field as written stays in the message's header.
    expect(Object.entries(stored.headers).find(([k]) => k.toLowerCase() === 'message-id')?.[1]).toBe(longId(`dsn-${dialect}`, 450));
  });

  it('a reply with an over-long Message-ID and Return-Path is linked; a copy of it (other trace fields) is not stored twice', async () => {
    const out = await send([`fan-${dialect}@example.net`]);
    const id = longId(`reply-${dialect}`, 600);
    const returnPath = `${'r'.repeat(330)}@bounces.example.net`;
    const reply = (await composeReply({ from: `fan-${dialect}@example.net`, to: main, subject: `Re: long ${dialect}`, inReplyTo: out.messageIdHeader, text: 'Count me in' }))
      .toString()
      .replace(/^Message-ID: .*$/m, `Message-ID: ${id}`);
    const first = `Return-Path: <${returnPath}>\r\nReceived: from a.example.net by mx.example.com; Mon, 30 Nov 2026 10:00:01 +0000\r\n${reply}`;
    const copy = `Return-Path: <${returnPath}>\r\nReceived: from b.example.net by mx.example.com; Mon, 30 Nov 2026 10:00:02 +0000\r\n${reply}`;
    const before = await mailbox();
    await append(peers.dovecot, main, PASSWORD, 'INBOX', Buffer.from(first), Buffer.from(copy));
    const got = await until('the reply', async () => (await received()).find((m) => m.subject === `Re: long ${dialect}`));
    expect(got).toMatchObject({ kind: 'reply', status: 'received', inReplyTo: out.id });
    const stored = await detail(got.id);
    expect(stored.messageIdHeader.length).toBeLessThanOrEqual(400);
    // No column can hold the address: it is not kept there (a cut one would be another address); the header keeps it.
    expect(stored.envelopeFrom).toBe('');
    expect(Object.entries(stored.headers).find(([k]) => k.toLowerCase() === 'return-path')?.[1]).toContain(returnPath);
    const after = await until('both copies read', async () => {
      const b = await mailbox();
      return b.storedCount + b.duplicateCount + b.quarantinedCount - (before.storedCount + before.duplicateCount + before.quarantinedCount) === 2 && b;
    });
    expect({ stored: after.storedCount - before.storedCount, duplicates: after.duplicateCount - before.duplicateCount, quarantined: after.quarantinedCount - before.quarantinedCount }).toEqual({ stored: 1, duplicates: 1, quarantined: 0 });
    expect((await received()).filter((m) => m.subject === `Re: long ${dialect}`)).toHaveLength(1);
  });
});
