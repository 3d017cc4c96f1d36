/**
 * Received mail as raw bytes, for the tests that store it the way the IMAP reader does (the same
 * parser, the same core function): a plain message, an RFC 6533 delivery status notification
 * (multipart/report; report-type=global-delivery-status) with UTF-8 fields, and a multipart
 * message that names no boundary.
 */
const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'));

export interface PlainMail {
  from: string;
  to: string;
  cc?: string;
  subject: string;
  messageId: string;
  inReplyTo?: string;
  date?: string;
  text: string;
}

export function plainMail(o: PlainMail): Buffer {
  return crlf([
    `From: ${o.from}`,
    `To: ${o.to}`,
    ...(o.cc ? [`Cc: ${o.cc}`] : []),
    `Subject: ${o.subject}`,
    `Date: ${o.date ?? 'Mon, 30 Nov 2026 10:00:00 +0000'}`,
    `Message-ID: ${o.messageId}`,
    ...(o.inReplyTo ? [`In-Reply-To: ${o.inReplyTo}`, `References: ${o.inReplyTo}`] : []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    o.text,
    '',
  ]);
}

export interface GlobalDsn {
  to: string;
  id: string;
  /** The Final-Recipient's address as the report writes it after `utf-8;` (UTF-8, or with \x{HEX} escapes). */
  finalRecipient: string;
  originalRecipient?: string;
  action?: 'failed' | 'delayed';
  status: string;
  diagnostic: string;
  /** Original-Envelope-Id (the ENVID Mailroom sent: the message's log id). */
  envelopeId?: string;
  /** The returned message's Message-ID (a message/global-headers part); none when left out. */
  originalMessageId?: string;
}

/** A DSN for internationalized mail (RFC 6533), as Postfix with SMTPUTF8 sends one: the status part is message/global-delivery-status, in UTF-8. */
export function globalDsn(o: GlobalDsn): Buffer {
  return crlf([
    'Return-Path: <>',
    `Message-ID: <${o.id}@mx.example.net>`,
    'Date: Mon, 30 Nov 2026 10:00:00 +0000',
    'From: Mail Delivery System <MAILER-DAEMON@mx.example.net>',
    'Subject: Undelivered Mail Returned to Sender',
    `To: ${o.to}`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=global-delivery-status;',
    '\tboundary="G1A2B3.1764496800/mx.example.net"',
    '',
    '--G1A2B3.1764496800/mx.example.net',
    'Content-Description: Notification',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    `<${o.finalRecipient}>: ${o.diagnostic}`,
    '',
    '--G1A2B3.1764496800/mx.example.net',
    'Content-Description: Delivery report',
    'Content-Type: message/global-delivery-status',
    'Content-Transfer-Encoding: 8bit',
    '',
    'Reporting-MTA: dns; mx.example.net',
    ...(o.envelopeId ? [`Original-Envelope-Id: ${o.envelopeId}`] : []),
    'Arrival-Date: Mon, 30 Nov 2026 09:59:58 +0000',
    '',
    `Final-Recipient: utf-8; ${o.finalRecipient}`,
    ...(o.originalRecipient ? [`Original-Recipient: utf-8; ${o.originalRecipient}`] : []),
    `Action: ${o.action ?? 'failed'}`,
    `Status: ${o.status}`,
    'Remote-MTA: dns; mx2.example.net',
    `Diagnostic-Code: smtp; ${o.diagnostic}`,
    '',
    ...(o.originalMessageId
      ? ['--G1A2B3.1764496800/mx.example.net', 'Content-Description: Undelivered Message Headers', 'Content-Type: message/global-headers', 'Content-Transfer-Encoding: 8bit', '', 'From: app@example.com', 'Subject: Ihre Einladung', `Message-ID: ${o.originalMessageId}`, '']
      : []),
    '--G1A2B3.1764496800/mx.example.net--',
    '',
  ]);
}

/** A reply whose Content-Type is multipart/alternative without a boundary: no MIME parser finds a part in it. */
export function boundarylessReply(o: { from: string; to: string; messageId: string; inReplyTo: string; text: string }): Buffer {
  return crlf([`From: ${o.from}`, `To: ${o.to}`, 'Subject: Re: Your invitation', 'Date: Mon, 30 Nov 2026 10:00:00 +0000', `Message-ID: ${o.messageId}`, `In-Reply-To: ${o.inReplyTo}`, 'MIME-Version: 1.0', 'Content-Type: multipart/alternative', '', o.text, '']);
}
