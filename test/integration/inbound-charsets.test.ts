import { expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { inboundApp } from '../helpers/inbound-app.js';
import { append } from '../helpers/inbound-mail.js';
import { mailPeers } from '../helpers/mail-peers.js';

/**
 * Received bytes as text, read from a private Dovecot:
 * - a DSN whose delivery-status part declares its charset (`charset=iso-8859-1`, base64, as some
 *   German and French gateways send): the recipient's response and the suppression's detail are
 *   the diagnostic as written ("Empfänger unbekannt"), not U+FFFD;
 * - raw 8-bit header fields in the log's `headers`: UTF-8 as UTF-8 (not one character per byte),
 *   and a NUL, which Dovecot hands out as the byte 0x80, as U+FFFD, as for any NUL.
 */
const PASSWORD = 'Report-Charset-Secret-6';
const account = (d: string) => `charset-${d}@example.com`;
const peers = mailPeers('mailroom-report-charset-', () => ({ [account('sqlite')]: PASSWORD, [account('postgres')]: PASSWORD }));

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'));

await describeEachDialect('received bytes as text (Dovecot)', (dialect) => {
  if (!peers.ready) return;
  const main = account(dialect);
  type Summary = { id: string; kind: string; inReplyTo: string | null; subject: string };
  const { api, until, send, received } = inboundApp<Summary>(dialect, {
    peers,
    address: main,
    password: PASSWORD,
    tuning: { maxBodyBytes: 200_000, pollMs: 300, refreshMs: 60_000, backoffBaseMs: 200, backoffMaxMs: 400, leaseMs: 10_000 },
    diagnose: 'status',
  });

  it('reads the diagnostic in the declared charset: the response and the suppression say "Empfänger"', async () => {
    const gone = `weg-${dialect}@example.de`;
    const out = await send([gone]);
    const diagnostic = `550 5.1.1 <${gone}>: Empfänger unbekannt`;
    const status = Buffer.from(
      ['Reporting-MTA: dns; gw.example.de', '', `Final-Recipient: rfc822; ${gone}`, 'Action: failed', 'Status: 5.1.1', `Diagnostic-Code: smtp; ${diagnostic}`, ''].join('\r\n'),
      'latin1',
    );
    await append(
      peers.dovecot,
      main,
      PASSWORD,
      'INBOX',
      crlf([
        'Return-Path: <>',
        'From: Mail Delivery Subsystem <MAILER-DAEMON@gw.example.de>',
        `To: ${main}`,
        'Subject: Unzustellbar: Your invitation',
        'Date: Mon, 30 Nov 2026 12:00:00 +0000',
        `Message-ID: <latin1-${dialect}@gw.example.de>`,
        'MIME-Version: 1.0',
        'Content-Type: multipart/report; report-type=delivery-status; boundary="L1"',
        '',
        '--L1',
        'Content-Type: text/plain; charset=us-ascii',
        '',
        'Your message could not be delivered.',
        '',
        '--L1',
        'Content-Type: message/delivery-status; charset=iso-8859-1',
        'Content-Transfer-Encoding: base64',
        '',
        status.toString('base64'),
        '',
        '--L1',
        'Content-Type: text/rfc822-headers',
        '',
        `From: ${main}`,
        `To: ${gone}`,
        `Message-ID: ${out.messageIdHeader}`,
        '',
        '--L1--',
        '',
      ]),
    );
    await until('the bounce', async () => (await received()).find((m) => m.inReplyTo === out.id && m.kind === 'bounce'));
    const rcpt = await until('the recipient to be marked', async () => {
      const r = (await api('GET', `/messages/${out.id}`)).json().recipients[0] as { status: string; response: string | null };
      return r.status === 'bounced' && r;
    });
    expect(rcpt.response).toBe(diagnostic);
    const entries = (await api('GET', `/suppressions?q=${encodeURIComponent(gone)}`)).json().items as { reason: string; detail: string | null }[];
    expect(entries).toEqual([expect.objectContaining({ reason: 'hard_bounce', detail: diagnostic })]);
  });

  it('shows raw UTF-8 header fields as UTF-8, and a NUL in a field as U+FFFD', async () => {
    const head = [`From: sender-${dialect}@example.net`, `To: ${main}`, `Subject: raw header bytes ${dialect}`, `Message-ID: <bytes-${dialect}@example.net>`, 'X-Greeting: Grüße aus Köln', 'X-Broken: a\u0000b'].join('\r\n');
    await append(peers.dovecot, main, PASSWORD, 'INBOX', Buffer.from(`${head}\r\n\r\nHello\r\n`, 'utf8'));
    const got = await until('the message', async () => (await received()).find((m) => m.subject === `raw header bytes ${dialect}`));
    const headers = (await api('GET', `/messages/${got.id}`)).json().headers as Record<string, string>;
    expect({ greeting: headers['X-Greeting'], broken: headers['X-Broken'] }).toEqual({ greeting: 'Grüße aus Köln', broken: 'a\uFFFDb' });
  });
});
