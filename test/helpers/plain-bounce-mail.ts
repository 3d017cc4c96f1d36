/**
 * Bounces that are not RFC 3464 delivery status notifications, as MTAs really write them: a
 * text/plain notice from a mailer daemon, the failed addresses in `X-Failed-Recipients`, and the
 * returned message quoted below a separator line.
 *
 * - `eximBounce`: Exim's bounce ("Mail delivery failed: returning message to sender"), with the
 *   headers Exim puts on it (Return-path <>, X-Failed-Recipients, Auto-Submitted, References
 *   naming the returned message since Exim 4.7x; older ones have none) and its fixed text, one
 *   block per failed address (the host and the SMTP reply, or a local reason such as
 *   "Unrouteable address"), then "------ This is a copy of the message, including all the
 *   headers. ------" and the message as it arrived (with Exim's own Received and Return-path).
 * - `gmailStyleBounce`: the classic Google notice ("Delivery to the following recipient failed
 *   permanently", "----- Original message -----").
 * - `qmailStyleBounce`: qmail-send's notice ("Hi. This is the qmail-send program …",
 *   "--- Below this line is a copy of the message."); stock qmail adds no X-Failed-Recipients,
 *   setups that do (a patch, a gateway in front) are what this fixture is.
 * - `gatewayNotice`: an appliance's plain notice with X-Failed-Recipients that never says whether
 *   the failure is permanent, only the server's reply.
 */

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'));

export interface ReturnedMessage {
  /** The Message-ID of the message Mailroom sent, as it was sent (angle brackets included). */
  messageId: string;
  from?: string;
  to: string;
  subject?: string;
  body?: string[];
}

/** The returned message as the bouncing MTA received it: the trace fields it added first. */
function returnedCopy(m: ReturnedMessage, trace: string[]): string[] {
  const from = m.from ?? 'app@example.com';
  return [
    `Return-path: <${from}>`,
    ...trace,
    `From: App <${from}>`,
    `To: ${m.to}`,
    `Subject: ${m.subject ?? 'Your invitation'}`,
    `Message-ID: ${m.messageId}`,
    'Date: Mon, 30 Nov 2026 10:20:01 +0000',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 7bit',
    '',
    ...(m.body ?? ['Hello']),
  ];
}

/** A Received field as most MTAs write it. */
const received = (mta: string, id: string, to: string) => [`Received: from mailroom.example.com (mailroom.example.com [192.0.2.1])`, `	by ${mta} with ESMTPS id ${id}`, `	for <${to}>; Mon, 30 Nov 2026 10:20:02 +0000`];

export interface FailedAddress {
  address: string;
  /** What the MTA says about it, one line each (indented by the fixture as Exim does). */
  lines: string[];
}

/** The SMTP reply block Exim writes for an address a remote server refused. */
export function eximSmtpFailure(address: string, reply: string, host = 'mx.example.org [192.0.2.25]'): FailedAddress {
  return { address, lines: [`host ${host}`, `SMTP error from remote mail server after RCPT TO:<${address}>:`, reply] };
}

/** Exim's plain-text bounce ("Mail delivery failed: returning message to sender"). */
export function eximBounce(o: { to: string; failed: FailedAddress[]; returned: ReturnedMessage; id: string; references?: boolean; returnPath?: string; from?: string }): Buffer {
  const queueId = `1kjmN1-0004Ab-${o.id.slice(0, 2).padEnd(2, 'x')}`;
  return crlf([
    `Return-path: ${o.returnPath ?? '<>'}`,
    `Envelope-to: ${o.to}`,
    'Delivery-date: Mon, 30 Nov 2026 10:20:03 +0000',
    'Received: from mail by mx.example.net with local (Exim 4.94.2)',
    `\tid ${queueId}`,
    `\tfor ${o.to}; Mon, 30 Nov 2026 10:20:03 +0000`,
    `X-Failed-Recipients: ${o.failed.map((f) => f.address).join(', ')}`,
    'Auto-Submitted: auto-replied',
    `From: ${o.from ?? 'Mail Delivery System <Mailer-Daemon@mx.example.net>'}`,
    `To: ${o.to}`,
    ...(o.references === false ? [] : [`References: ${o.returned.messageId}`]),
    'Content-Type: text/plain; charset=us-ascii',
    'Subject: Mail delivery failed: returning message to sender',
    `Message-Id: <E${queueId}-${o.id}@mx.example.net>`,
    'Date: Mon, 30 Nov 2026 10:20:03 +0000',
    '',
    'This message was created automatically by mail delivery software.',
    '',
    'A message that you sent could not be delivered to one or more of its',
    'recipients. This is a permanent error. The following address(es) failed:',
    '',
    ...o.failed.flatMap((f) => [`  ${f.address}`, ...f.lines.map((l) => `    ${l}`)]),
    '',
    '------ This is a copy of the message, including all the headers. ------',
    '',
    ...returnedCopy(o.returned, [
      'Received: from [192.0.2.1] (helo=mailroom.example.com)',
      '\tby mx.example.net with esmtps (TLS1.3) tls TLS_AES_256_GCM_SHA384',
      '\t(Exim 4.94.2)',
      `\t(envelope-from <${o.returned.from ?? 'app@example.com'}>)`,
      '\tid 1kjmN0-0004AZ-Lm',
      `\tfor ${o.returned.to}; Mon, 30 Nov 2026 10:20:02 +0000`,
    ]),
    '',
  ]);
}

/** The classic Google notice: plain text, X-Failed-Recipients, the original below "----- Original message -----". */
export function gmailStyleBounce(o: { to: string; recipient: string; reply: string; returned: ReturnedMessage; id: string }): Buffer {
  return crlf([
    'Return-Path: <>',
    'Received: by 10.28.83.198 with SMTP id h189mr1204011wmb.48; Mon, 30 Nov 2026 10:30:01 -0800 (PST)',
    'MIME-Version: 1.0',
    'From: Mail Delivery Subsystem <mailer-daemon@mx.example.net>',
    `To: ${o.to}`,
    `X-Failed-Recipients: ${o.recipient}`,
    'Subject: Delivery Status Notification (Failure)',
    `Message-ID: <${o.id}@mx.example.net>`,
    'Date: Mon, 30 Nov 2026 18:30:01 +0000',
    'Content-Type: text/plain; charset=ISO-8859-1',
    '',
    'Delivery to the following recipient failed permanently:',
    '',
    `     ${o.recipient}`,
    '',
    'Technical details of permanent failure:',
    `Google tried to deliver your message, but it was rejected by the server for the recipient domain ${o.recipient.split('@')[1]} by mx.example.org. [192.0.2.25].`,
    '',
    'The error that the other server returned was:',
    o.reply,
    '',
    '----- Original message -----',
    '',
    ...returnedCopy(o.returned, received('mx.example.net', 'h189mr1204011wmb', o.returned.to)),
    '',
  ]);
}

/** qmail-send's bounce, here with an X-Failed-Recipients header (stock qmail has none). */
export function qmailStyleBounce(o: { to: string; recipient: string; reason: string; returned: ReturnedMessage; id: string }): Buffer {
  return crlf([
    'Return-Path: <>',
    `Message-ID: <${o.id}@mx.example.org>`,
    'Date: 30 Nov 2026 10:40:00 -0000',
    'From: MAILER-DAEMON@mx.example.org',
    `To: ${o.to}`,
    `X-Failed-Recipients: ${o.recipient}`,
    'Subject: failure notice',
    '',
    'Hi. This is the qmail-send program at mx.example.org.',
    "I'm afraid I wasn't able to deliver your message to the following addresses.",
    "This is a permanent error; I've given up. Sorry it didn't work out.",
    '',
    `<${o.recipient}>:`,
    o.reason,
    '',
    '--- Below this line is a copy of the message.',
    '',
    ...returnedCopy(o.returned, ['Received: (qmail 27331 invoked from network); 30 Nov 2026 10:39:58 -0000', ...received('mx.example.org', '27331', o.returned.to)]),
    '',
  ]);
}

/** An appliance's plain notice: X-Failed-Recipients and the server's reply, no word on permanence. */
export function gatewayNotice(o: { to: string; recipient: string; reply: string; returned: ReturnedMessage; id: string; from?: string; returnPath?: string }): Buffer {
  return crlf([
    `Return-Path: ${o.returnPath ?? '<>'}`,
    `From: ${o.from ?? 'Postmaster <postmaster@gw.example.org>'}`,
    `To: ${o.to}`,
    `X-Failed-Recipients: ${o.recipient}`,
    'Subject: Undeliverable: Your invitation',
    `Message-ID: <${o.id}@gw.example.org>`,
    'Date: Mon, 30 Nov 2026 10:50:00 +0000',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'Your message could not be delivered to the following recipients:',
    '',
    `${o.recipient}: ${o.reply}`,
    '',
    '----- Original message -----',
    '',
    ...returnedCopy(o.returned, received('gw.example.org', 'GW0042', o.returned.to)),
    '',
  ]);
}
