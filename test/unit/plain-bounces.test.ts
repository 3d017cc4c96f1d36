import { describe, expect, it } from 'vitest';
import { bounceClass, bounceRecipients, bounceResponse, classify } from '../../src/core/inbound/classify.js';
import { parseMail } from '../../src/inbound/parse-mail.js';
import { postfixDsn } from '../helpers/inbound-mail.js';
import { eximBounce, eximSmtpFailure, gatewayNotice, gmailStyleBounce, qmailStyleBounce } from '../helpers/plain-bounce-mail.js';

/**
 * Bounces that are not RFC 3464 (Exim's plain-text one, the classic Google notice, qmail's
 * shape, an appliance's notice): a mailer daemon's message with X-Failed-Recipients is a bounce
 * of those addresses; it is permanent (a hard bounce) only when its text says so, else the
 * server's own 4.x.x makes it soft and anything else leaves it unknown (marked, not
 * suppressed); the returned message is found by the Message-ID in the copy it quotes.
 */
const APP = 'app@example.com';
const ORIGINAL = '<01jd8zq5m7d3v4k6w8y0a2c4e6@example.com>';
const read = (raw: Buffer) => parseMail(raw, raw.length, false);

describe("Exim's plain-text bounce", () => {
  it('is a hard bounce of the failed address, with the SMTP reply as diagnostic, matched by the quoted Message-ID', async () => {
    const mail = await read(
      eximBounce({
        to: APP,
        id: 'e1',
        failed: [eximSmtpFailure('nobody@example.org', '550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in virtual mailbox table')],
        returned: { messageId: ORIGINAL, to: 'nobody@example.org' },
        references: false,
      }),
    );
    expect(mail.reportType).toBeNull();
    expect(mail.returnedMessageId).toBe(ORIGINAL);
    expect(mail.references).toEqual([]);
    expect(classify(mail, true)).toBe('bounce');
    expect(bounceRecipients(mail)).toEqual([
      { finalRecipient: 'nobody@example.org', originalRecipient: null, action: 'failed', status: '5.1.1', diagnostic: '550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in virtual mailbox table' },
    ]);
    expect(bounceClass('5.1.1')).toBe('hard');
  });

  it('names the message in References too (Exim 4.7x and later), and reads every failed address on its own', async () => {
    const mail = await read(
      eximBounce({
        to: APP,
        id: 'e2',
        failed: [
          eximSmtpFailure('gone@example.org', '550-5.1.1 The email account that you tried to reach does not exist.', 'mx.example.org [10.4.5.6]'),
          { address: 'typo@exmaple.org', lines: ['Unrouteable address'] },
          eximSmtpFailure('policy@example.org', '550 Administrative prohibition', 'mx.example.org [10.4.5.6]'),
        ],
        returned: { messageId: ORIGINAL, to: 'gone@example.org, typo@exmaple.org, policy@example.org' },
      }),
    );
    expect(mail.references).toEqual([ORIGINAL]);
    expect(mail.returnedMessageId).toBe(ORIGINAL);
    const got = bounceRecipients(mail).map((r) => [r.finalRecipient, r.status, r.diagnostic]);
    expect(got).toEqual([
      ['gone@example.org', '5.1.1', '550-5.1.1 The email account that you tried to reach does not exist.'],
      // No status of its own: permanent, as the notice says (5.0.0), never a number from the host's IP.
      ['typo@exmaple.org', '5.0.0', 'Unrouteable address'],
      ['policy@example.org', '5.0.0', '550 Administrative prohibition'],
    ]);
  });

  it('names the address Mailroom sent to when an alias made the failed one ("generated from"), and tells ann@ from joann@', async () => {
    const mail = await read(
      eximBounce({
        to: APP,
        id: 'e6',
        failed: [
          { address: 'joann@forward.example', lines: ['(generated from info@example.org)', 'host mx.forward.example [192.0.2.9]', 'SMTP error from remote mail server after RCPT TO:<joann@forward.example>:', '550 5.1.1 No such user'] },
          eximSmtpFailure('ann@forward.example', '552 5.2.2 Mailbox full'),
        ],
        returned: { messageId: ORIGINAL, to: 'info@example.org, ann@forward.example' },
      }),
    );
    expect(bounceRecipients(mail).map((r) => [r.finalRecipient, r.originalRecipient, r.status, r.diagnostic])).toEqual([
      ['joann@forward.example', 'info@example.org', '5.1.1', '550 5.1.1 No such user'],
      ['ann@forward.example', null, '5.2.2', '552 5.2.2 Mailbox full'],
    ]);
  });

  it("finds the quoted Message-ID past the lines Exim adds when it cut the returned message's body", async () => {
    const raw = eximBounce({ to: APP, id: 'e7', failed: [eximSmtpFailure('nobody@example.org', '550 5.1.1 User unknown')], returned: { messageId: ORIGINAL, to: 'nobody@example.org' }, references: false })
      .toString()
      .replace(
        '------ This is a copy of the message, including all the headers. ------\r\n',
        '------ This is a copy of the message, including all the headers.\r\n------ The body of the message is 2481923 characters long; only the first\r\n------ 102400 or so are included here.\r\n',
      );
    expect(raw).toContain('or so are included here.');
    const mail = await read(Buffer.from(raw));
    expect(mail.returnedMessageId).toBe(ORIGINAL);
    expect(mail.bounceNotice).not.toContain('Return-path: <app@example.com>');
    expect(bounceRecipients(mail).map((r) => r.status)).toEqual(['5.1.1']);
  });

  it("a server's temporary reply that Exim gave up on is a soft bounce, not a hard one", async () => {
    const mail = await read(
      eximBounce({
        to: APP,
        id: 'e3',
        failed: [{ address: 'slow@example.org', lines: ['host mx.example.org [192.0.2.25]', 'SMTP error from remote mail server after RCPT TO:<slow@example.org>:', '451 4.7.1 Greylisted, please try again later', 'retry timeout exceeded'] }],
        returned: { messageId: ORIGINAL, to: 'slow@example.org' },
      }),
    );
    const [r] = bounceRecipients(mail);
    expect(r).toMatchObject({ finalRecipient: 'slow@example.org', status: '4.7.1' });
    expect(bounceClass(r.status)).toBe('soft');
  });

  it('is no bounce when neither the envelope sender nor the author is a mailer daemon', async () => {
    const raw = eximBounce({ to: APP, id: 'e4', failed: [eximSmtpFailure('victim@example.org', '550 5.1.1 User unknown')], returned: { messageId: ORIGINAL, to: 'victim@example.org' }, returnPath: '<ann@example.net>', from: 'Ann <ann@example.net>' });
    const mail = await read(raw);
    expect(bounceRecipients(mail)).toEqual([]);
    // Its Auto-Submitted makes it an automatic answer, never a bounce.
    expect(classify(mail, true)).toBe('auto_reply');
  });

  it('a postmaster or MAILER-DAEMON author is enough when the envelope sender is not recorded', async () => {
    const raw = eximBounce({ to: APP, id: 'e5', failed: [eximSmtpFailure('nobody@example.org', '550 5.1.1 User unknown')], returned: { messageId: ORIGINAL, to: 'nobody@example.org' } })
      .toString()
      .replace('Return-path: <>\r\n', '');
    const mail = await read(Buffer.from(raw));
    expect(mail.returnPath).toBeNull();
    expect(bounceRecipients(mail).map((r) => r.finalRecipient)).toEqual(['nobody@example.org']);
  });
});

describe('other notices with X-Failed-Recipients', () => {
  it('the classic Google notice ("failed permanently") is a hard bounce', async () => {
    const mail = await read(gmailStyleBounce({ to: APP, id: 'g1', recipient: 'nobody@example.org', reply: '550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown', returned: { messageId: ORIGINAL, to: 'nobody@example.org' } }));
    expect(mail.returnedMessageId).toBe(ORIGINAL);
    expect(classify(mail, true)).toBe('bounce');
    expect(bounceRecipients(mail)).toEqual([expect.objectContaining({ finalRecipient: 'nobody@example.org', status: '5.1.1', diagnostic: '550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown' })]);
  });

  it("qmail's notice (\"This is a permanent error; I've given up\") is a hard bounce with qmail's own status", async () => {
    const mail = await read(qmailStyleBounce({ to: APP, id: 'q1', recipient: 'nobody@example.org', reason: 'Sorry, no mailbox here by that name. (#5.1.1)', returned: { messageId: ORIGINAL, to: 'nobody@example.org' } }));
    expect(mail.returnedMessageId).toBe(ORIGINAL);
    expect(bounceRecipients(mail)).toEqual([expect.objectContaining({ finalRecipient: 'nobody@example.org', status: '5.1.1', diagnostic: 'Sorry, no mailbox here by that name. (#5.1.1)' })]);
  });

  it('a notice that never says permanent is soft with a 4.x.x reply and unknown otherwise, whatever the returned message says', async () => {
    const soft = await read(gatewayNotice({ to: APP, id: 'n1', recipient: 'full@example.org', reply: '452 4.2.2 Mailbox full', returned: { messageId: ORIGINAL, to: 'full@example.org' } }));
    expect(classify(soft, true)).toBe('bounce');
    expect(bounceRecipients(soft)).toEqual([expect.objectContaining({ finalRecipient: 'full@example.org', status: '4.2.2' })]);
    // The returned message is the sender's own text: its words say nothing about this failure.
    const unknown = await read(gatewayNotice({ to: APP, id: 'n2', recipient: 'nobody@example.org', reply: '550 5.1.1 User unknown', returned: { messageId: ORIGINAL, to: 'nobody@example.org', body: ['This is a permanent error: your account is closed.'] } }));
    const [r] = bounceRecipients(unknown);
    expect(r).toMatchObject({ finalRecipient: 'nobody@example.org', status: null, diagnostic: '550 5.1.1 User unknown' });
    expect(bounceClass(r.status)).toBeNull();
  });

  it('a delay warning with X-Failed-Recipients informs only (an automatic answer), like a "delayed" DSN', async () => {
    const raw = gatewayNotice({ to: APP, id: 'w1', recipient: 'slow@example.org', reply: '451 4.4.1 Connection timed out', returned: { messageId: ORIGINAL, to: 'slow@example.org' } })
      .toString()
      .replace('Your message could not be delivered to the following recipients:', 'This is a warning message only. Your message has not yet been delivered to the following recipients; delivery attempts will continue for 4 days:');
    const mail = await read(Buffer.from(`Auto-Submitted: auto-replied\r\n${raw}`));
    expect(bounceRecipients(mail)).toEqual([]);
    expect(classify(mail, true)).toBe('auto_reply');
  });

  it('an RFC 3464 report is read as one even when it also names X-Failed-Recipients (modern Exim)', async () => {
    const raw = postfixDsn({ to: APP, recipient: 'nobody@example.org', status: '5.1.1', diagnostic: '550 5.1.1 User unknown', originalMessageId: ORIGINAL, id: 'd1' });
    const mail = await read(Buffer.concat([Buffer.from('X-Failed-Recipients: someone-else@example.org\r\n'), raw]));
    expect(mail.reportType).toBe('delivery-status');
    expect(bounceRecipients(mail).map((r) => [r.finalRecipient, r.status])).toEqual([['nobody@example.org', '5.1.1']]);
  });
});

describe("a bounced recipient's response", () => {
  it('is the diagnostic alone when it already gives the status, else the status before it', () => {
    expect(bounceResponse('5.1.1', '550 5.1.1 <ann@example.net>: Recipient address rejected')).toBe('550 5.1.1 <ann@example.net>: Recipient address rejected');
    expect(bounceResponse('5.1.1', '550 User unknown')).toBe('5.1.1 550 User unknown');
    expect(bounceResponse('5.1.1', null)).toBe('5.1.1');
    expect(bounceResponse(null, '550 User unknown')).toBe('550 User unknown');
    expect(bounceResponse(null, null)).toBe('bounced (no status given)');
    // Written by whoever sent the bounce: read as words, never as a pattern.
    expect(bounceResponse('5.1.(', '550 5.1.( odd')).toBe('550 5.1.( odd');
    expect(bounceResponse('5.1.1', '550 5x1x1 odd')).toBe('5.1.1 550 5x1x1 odd');
  });
});
