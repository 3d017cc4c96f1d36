import { expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { inboundApp } from '../helpers/inbound-app.js';
import { append } from '../helpers/inbound-mail.js';
import { mailPeers } from '../helpers/mail-peers.js';

/**
 * Received mail that names a message Mailroom sent but is no reply to it, read from a private
 * Dovecot: a person forwarding that message (attached as message/rfc822) to the account, an
 * Exchange out-of-office that says so only by `X-Auto-Response-Suppress: All`, and a mailer
 * daemon's delay warning that names the message in References. A `reply` is mail whose
 * In-Reply-To or References names a sent message, written by a person (docs/inbound.md); the
 * message a report returns counts only for DSNs, ARF reports and plain-text bounces.
 */
const PASSWORD = 'Reply-Or-Not-Secret-4';
const account = (d: string) => `kinds-${d}@example.com`;
const peers = mailPeers('mailroom-reply-or-not-', () => ({ [account('sqlite')]: PASSWORD, [account('postgres')]: PASSWORD }));

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'));

await describeEachDialect('received mail that names a sent message but is no reply to it (Dovecot)', (dialect) => {
  if (!peers.ready) return;
  const main = account(dialect);
  type Summary = { id: string; kind: string; status: string; inReplyTo: string | null; subject: string };
  const { api, until, send, received } = inboundApp<Summary>(dialect, {
    peers,
    address: main,
    password: PASSWORD,
    tuning: { maxBodyBytes: 200_000, pollMs: 300, refreshMs: 60_000, backoffBaseMs: 200, backoffMaxMs: 400, leaseMs: 10_000 },
    diagnose: 'status',
  });
  const bySubject = (subject: string) => until(`"${subject}"`, async () => (await received()).find((m) => m.subject === subject));

  /** A person's message with one of Mailroom's messages attached as message/rfc822 (Thunderbird's "Forward as attachment"). */
  const forward = (o: { subject: string; forwarded: string; inReplyTo?: string }) =>
    crlf([
      `From: Colleague <colleague-${dialect}@example.net>`,
      `To: ${main}`,
      `Subject: ${o.subject}`,
      'Date: Mon, 30 Nov 2026 11:00:00 +0000',
      `Message-ID: <fwd-${Math.random().toString(36).slice(2)}@example.net>`,
      ...(o.inReplyTo ? [`In-Reply-To: ${o.inReplyTo}`, `References: ${o.inReplyTo}`] : []),
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="FWD"',
      '',
      '--FWD',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Have a look at what the app sent me.',
      '',
      '--FWD',
      'Content-Type: message/rfc822',
      'Content-Disposition: attachment; filename="Your invitation.eml"',
      '',
      `From: ${main}`,
      `To: colleague-${dialect}@example.net`,
      'Subject: Your invitation',
      `Message-ID: ${o.forwarded}`,
      '',
      'Hello',
      '',
      '--FWD--',
      '',
    ]);

  it('a sent message forwarded as an attachment is mail, not a reply to the message inside', async () => {
    const out = await send([`colleague-${dialect}@example.net`]);
    await append(peers.dovecot, main, PASSWORD, 'INBOX', forward({ subject: `Fwd: Your invitation (${dialect})`, forwarded: out.messageIdHeader }));
    expect(await bySubject(`Fwd: Your invitation (${dialect})`)).toMatchObject({ kind: 'mail', status: 'received', inReplyTo: null });
    expect((await api('GET', `/messages/${out.id}`)).json().replies).toEqual([]);
  });

  it('a reply that attaches another sent message is linked to the message it answers (In-Reply-To)', async () => {
    const answered = await send([`colleague-${dialect}@example.net`], 'Answered');
    const attached = await send([`colleague-${dialect}@example.net`], 'Attached');
    await append(peers.dovecot, main, PASSWORD, 'INBOX', forward({ subject: `Re: Answered (${dialect})`, forwarded: attached.messageIdHeader, inReplyTo: answered.messageIdHeader }));
    expect(await bySubject(`Re: Answered (${dialect})`)).toMatchObject({ kind: 'reply', inReplyTo: answered.id });
  });

  it("an Exchange out-of-office marked only by X-Auto-Response-Suppress: All is an auto_reply, linked", async () => {
    const out = await send([`away-${dialect}@contoso.example`]);
    await append(
      peers.dovecot,
      main,
      PASSWORD,
      'INBOX',
      crlf([
        `From: Away Person <away-${dialect}@contoso.example>`,
        `To: ${main}`,
        `Subject: Automatic reply: Your invitation (${dialect})`,
        'Date: Mon, 30 Nov 2026 11:05:00 +0000',
        `Message-ID: <oof-${dialect}@contoso.example>`,
        `In-Reply-To: ${out.messageIdHeader}`,
        `References: ${out.messageIdHeader}`,
        'X-Auto-Response-Suppress: All',
        `X-MS-Exchange-Inbox-Rules-Loop: away-${dialect}@contoso.example`,
        'Content-Type: text/plain; charset=us-ascii',
        '',
        'I am out of the office until Monday.',
        '',
      ]),
    );
    expect(await bySubject(`Automatic reply: Your invitation (${dialect})`)).toMatchObject({ kind: 'auto_reply', inReplyTo: out.id });
  });

  it("a mailer daemon's delay warning naming the message in References is an auto_reply, and marks nobody", async () => {
    const slow = `slow-${dialect}@example.org`;
    const out = await send([slow]);
    await append(
      peers.dovecot,
      main,
      PASSWORD,
      'INBOX',
      crlf([
        'Return-path: <>',
        `X-Failed-Recipients: ${slow}`,
        'From: Mail Delivery System <Mailer-Daemon@mx.example.net>',
        `To: ${main}`,
        `References: ${out.messageIdHeader}`,
        `Subject: Warning: message delayed (${dialect})`,
        'Date: Mon, 30 Nov 2026 14:00:00 +0000',
        `Message-ID: <delay-${dialect}@mx.example.net>`,
        'Content-Type: text/plain; charset=us-ascii',
        '',
        'This message was created automatically by mail delivery software.',
        'A message that you sent has not yet been delivered to one or more of its',
        'recipients after more than 4 hours on the queue on mx.example.net.',
        '',
        `  ${slow}`,
        '    Delay reason: SMTP error from remote mail server after RCPT TO:<' + slow + '>:',
        '    451 4.7.1 Greylisted, try again later',
        '',
        'No action is required on your part. Delivery attempts will continue for some time.',
        '',
      ]),
    );
    expect(await bySubject(`Warning: message delayed (${dialect})`)).toMatchObject({ kind: 'auto_reply', inReplyTo: out.id });
    const m = (await api('GET', `/messages/${out.id}`)).json();
    // Listed with the message (every linked message that is no bounce is), as what it is.
    expect([m.status, m.recipients[0].status, m.replies.map((r: { kind: string }) => r.kind)]).toEqual(['sent', 'accepted', ['auto_reply']]);
  });
});
