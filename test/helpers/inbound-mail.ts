import { ImapFlow } from 'imapflow';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { DovecotInstance } from './diagnostics-peers.js';

/**
 * Mail as the outside world sends it back to Mailroom: a reply composed by nodemailer (a real
 * client's MIME), delivery status notifications built like Postfix's (the returned message
 * attached) and Exchange's (text/rfc822-headers only), an ARF abuse report, an out-of-office,
 * and a message no parser can read. Put into Dovecot with IMAP APPEND through imapflow.
 */

export async function composeReply(opts: { from: string; to: string; subject: string; text: string; inReplyTo: string; references?: string[] }): Promise<Buffer> {
  return new MailComposer({
    from: opts.from,
    to: opts.to,
    subject: opts.subject,
    text: opts.text,
    inReplyTo: opts.inReplyTo,
    references: opts.references ?? [opts.inReplyTo],
    messageId: `<reply-${Math.random().toString(36).slice(2)}@client.example.net>`,
  })
    .compile()
    .build();
}

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'));

/** Postfix's bounce: text, message/delivery-status, and the returned message (message/rfc822). */
export function postfixDsn(o: { to: string; recipient: string; status: string; diagnostic: string; originalMessageId: string; id: string }): Buffer {
  return crlf([
    'Return-Path: <>',
    `Message-Id: <${o.id}@mx.example.net>`,
    'Date: Mon, 30 Nov 2026 10:00:00 +0000 (UTC)',
    'From: MAILER-DAEMON@mx.example.net (Mail Delivery System)',
    'Subject: Undelivered Mail Returned to Sender',
    `To: ${o.to}`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status;',
    '\tboundary="8F1A13E0C2.1764496800/mx.example.net"',
    '',
    'This is a MIME-encapsulated message.',
    '',
    '--8F1A13E0C2.1764496800/mx.example.net',
    'Content-Description: Notification',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'This is the mail system at host mx.example.net.',
    '',
    "I'm sorry to have to inform you that your message could not",
    'be delivered to one or more recipients.',
    '',
    `<${o.recipient}>: host mx2.example.net[192.0.2.7] said: ${o.diagnostic}`,
    '',
    '--8F1A13E0C2.1764496800/mx.example.net',
    'Content-Description: Delivery report',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.net',
    'X-Postfix-Queue-ID: 8F1A13E0C2',
    'Arrival-Date: Mon, 30 Nov 2026 09:59:58 +0000 (UTC)',
    '',
    `Final-Recipient: rfc822; ${o.recipient}`,
    `Original-Recipient: rfc822;${o.recipient}`,
    'Action: failed',
    `Status: ${o.status}`,
    'Remote-MTA: dns; mx2.example.net',
    `Diagnostic-Code: smtp; ${o.diagnostic}`,
    '',
    '--8F1A13E0C2.1764496800/mx.example.net',
    'Content-Description: Undelivered Message',
    'Content-Type: message/rfc822',
    '',
    'From: app@example.com',
    `To: ${o.recipient}`,
    'Subject: Your invitation',
    `Message-ID: ${o.originalMessageId}`,
    '',
    'Hello',
    '',
    '--8F1A13E0C2.1764496800/mx.example.net--',
    '',
  ]);
}

/**
 * A DSN that returns nothing of the message (neither message/rfc822 nor text/rfc822-headers),
 * as appliances and some MTAs send when asked RET=HDRS and a header budget runs out: only the
 * report, whose per-message block carries Original-Envelope-Id (RFC 3464), in xtext as sent.
 */
export function reportOnlyDsn(o: { to: string; recipient: string; status: string; diagnostic: string; envelopeId: string; id: string }): Buffer {
  return crlf([
    'Return-Path: <>',
    `Message-ID: <${o.id}@gw.example.org>`,
    'Date: Mon, 30 Nov 2026 10:10:00 +0000',
    'From: Mail Delivery Subsystem <MAILER-DAEMON@gw.example.org>',
    `To: ${o.to}`,
    'Subject: Delivery Status Notification (Failure)',
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="dsn-boundary-1"',
    '',
    '--dsn-boundary-1',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    `Your message could not be delivered to ${o.recipient}.`,
    '',
    '--dsn-boundary-1',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; gw.example.org',
    `Original-Envelope-Id: ${o.envelopeId}`,
    'Arrival-Date: Mon, 30 Nov 2026 10:09:58 +0000',
    '',
    `Final-Recipient: rfc822; ${o.recipient}`,
    'Action: failed',
    `Status: ${o.status}`,
    `Diagnostic-Code: smtp; ${o.diagnostic}`,
    '',
    '--dsn-boundary-1--',
    '',
  ]);
}

/** Exchange's NDR: the returned part is text/rfc822-headers (headers only), no Return-Path in the message. */
export function exchangeDsn(o: { to: string; recipient: string; originalMessageId: string; id: string }): Buffer {
  return crlf([
    'From: postmaster@contoso.example',
    `To: ${o.to}`,
    'Date: Mon, 30 Nov 2026 10:05:00 +0000',
    'Subject: Undeliverable: Your invitation',
    `Message-ID: <${o.id}@contoso.example>`,
    'Content-Language: en-US',
    'X-MS-Exchange-Message-Is-Ndr:',
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status;',
    '\tboundary="_000_NDR_contoso_"',
    '',
    '--_000_NDR_contoso_',
    'Content-Type: text/plain; charset="us-ascii"',
    '',
    `Delivery has failed to these recipients or groups: ${o.recipient}`,
    "The email address you entered couldn't be found.",
    '',
    '--_000_NDR_contoso_',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns;BN8PR04MB.contoso.example',
    'Received-From-MTA: dns;mail.example.com',
    'Arrival-Date: Mon, 30 Nov 2026 10:04:58 +0000',
    '',
    `Original-Recipient: rfc822;${o.recipient}`,
    `Final-Recipient: rfc822;${o.recipient}`,
    'Action: failed',
    'Status: 5.1.10',
    'Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup',
    '',
    '--_000_NDR_contoso_',
    'Content-Type: text/rfc822-headers',
    '',
    'Received: from mail.example.com (192.0.2.1) by BN8PR04MB.contoso.example',
    'From: App <app@example.com>',
    `To: ${o.recipient}`,
    'Subject: Your invitation',
    `Message-ID: ${o.originalMessageId}`,
    'MIME-Version: 1.0',
    '',
    '--_000_NDR_contoso_--',
    '',
  ]);
}

/** An ARF abuse report (RFC 5965) from a mailbox provider's feedback loop. */
export function arfComplaint(o: { to: string; recipient: string; originalMessageId: string; id: string }): Buffer {
  return crlf([
    'From: feedback@fbl.example.org',
    `To: ${o.to}`,
    'Subject: Abuse report',
    `Message-ID: <${o.id}@fbl.example.org>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report; boundary="ARF"',
    '',
    '--ARF',
    'Content-Type: text/plain',
    '',
    'This is an email abuse report.',
    '',
    '--ARF',
    'Content-Type: message/feedback-report',
    '',
    'Feedback-Type: abuse',
    'User-Agent: FBL/1.0',
    'Version: 1',
    `Original-Rcpt-To: ${o.recipient}`,
    '',
    '--ARF',
    'Content-Type: message/rfc822',
    '',
    'From: app@example.com',
    `To: ${o.recipient}`,
    `Message-ID: ${o.originalMessageId}`,
    'Subject: Your invitation',
    '',
    'Hello',
    '',
    '--ARF--',
    '',
  ]);
}

/** An out-of-office answer to one of our messages: linked, but neither a reply nor a bounce. */
export function outOfOffice(o: { from: string; to: string; inReplyTo: string; id: string }): Buffer {
  return crlf([
    `From: ${o.from}`,
    `To: ${o.to}`,
    'Subject: Automatic reply: Your invitation',
    `Message-ID: <${o.id}@example.net>`,
    `In-Reply-To: ${o.inReplyTo}`,
    'Auto-Submitted: auto-replied',
    'X-Autoreply: yes',
    '',
    'I am out of the office until Monday.',
    '',
  ]);
}

/** A header block larger than the parser accepts: quarantined, never a blocked mailbox. */
export function unparseable(id: string): Buffer {
  return crlf([`Message-ID: <${id}@broken.example>`, 'Subject: broken', `X-Padding: ${'a'.repeat(300 * 1024)}`, '', 'body', '']);
}

export async function imapSession<T>(dovecot: DovecotInstance, user: string, password: string, fn: (c: ImapFlow) => Promise<T>): Promise<T> {
  const c = new ImapFlow({ host: '127.0.0.1', port: dovecot.imapsPort, secure: true, auth: { user, pass: password }, logger: false, tls: { rejectUnauthorized: false } });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.logout().catch(() => undefined);
  }
}

export async function append(dovecot: DovecotInstance, user: string, password: string, folder: string, ...messages: Buffer[]): Promise<void> {
  await imapSession(dovecot, user, password, async (c) => {
    for (const m of messages) await c.append(folder, m);
  });
}

/** The folder's UIDVALIDITY, message count and flags per message. */
export async function folderState(dovecot: DovecotInstance, user: string, password: string, folder: string): Promise<{ uidValidity: string; count: number; seen: number }> {
  return imapSession(dovecot, user, password, async (c) => {
    const mb = await c.mailboxOpen(folder, { readOnly: true });
    let seen = 0;
    if (mb.exists) for await (const m of c.fetch('1:*', { flags: true })) if (m.flags?.has('\\Seen')) seen++;
    return { uidValidity: String(mb.uidValidity), count: mb.exists, seen };
  });
}

/**
 * Polls `fn` every 100 ms until it gives something truthy; fails naming `what` after `timeoutMs`,
 * with what `diagnose` says then (the reader's status, say).
 */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000, diagnose?: () => Promise<string>): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${diagnose ? `: ${await diagnose()}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
