import { describe, expect, it } from 'vitest';
import { bounceClass, bounceRecipients, classify } from '../../src/core/inbound/classify.js';
import { parseMail } from '../../src/inbound/parse-mail.js';
import { boundarylessReply, globalDsn } from '../helpers/received-mail.js';

/**
 * RFC 6533 delivery status notifications (report-type=global-delivery-status, sent for
 * internationalized mail) are DSNs like RFC 3464's: their failed recipients bounce, with the
 * utf-8 address type decoded; and a body no MIME part can be read from is kept as sent, with
 * the reason, instead of vanishing.
 */
const read = (raw: Buffer) => parseMail(raw, raw.length, false);

describe('an RFC 6533 DSN (message/global-delivery-status)', () => {
  it('is a bounce of its failed recipient, its UTF-8 address read as written, matched by its envelope id and returned headers', async () => {
    const mail = await read(globalDsn({ to: 'app@example.com', id: 'g1', finalRecipient: 'jörg@bücher.example', status: '5.1.1', diagnostic: '550 5.1.1 <jörg@bücher.example>: Benutzer unbekannt', envelopeId: 'msg_01jd8zq5m7d3v4k6w8y0a2c4e6', originalMessageId: '<orig-1@example.com>' }));
    expect(mail.reportType).toBe('global-delivery-status');
    expect(mail.envelopeId).toBe('msg_01jd8zq5m7d3v4k6w8y0a2c4e6');
    expect(mail.returnedMessageId).toBe('<orig-1@example.com>');
    expect(classify(mail, true)).toBe('bounce');
    expect(bounceRecipients(mail)).toEqual([{ finalRecipient: 'jörg@bücher.example', originalRecipient: null, action: 'failed', status: '5.1.1', diagnostic: '550 5.1.1 <jörg@bücher.example>: Benutzer unbekannt' }]);
    expect(bounceClass('5.1.1')).toBe('hard');
  });

  it('decodes the \\x{HEX} form of the utf-8 address type (RFC 6533 §3), and leaves an escape that names no character as written', async () => {
    const mail = await read(globalDsn({ to: 'app@example.com', id: 'g2', finalRecipient: 'ann@b\\x{FC}cher.example', originalRecipient: 'Info@B\\x{00DC}CHER.example \\x{D800}', status: '5.2.2', diagnostic: '552 5.2.2 mailbox full' }));
    expect(bounceRecipients(mail).map((r) => [r.finalRecipient, r.originalRecipient])).toEqual([['ann@bücher.example', 'Info@BÜCHER.example \\x{D800}']]);
  });

  it('with Action: delayed is an automatic notice, never a bounce', async () => {
    const mail = await read(globalDsn({ to: 'app@example.com', id: 'g3', finalRecipient: 'ann@bücher.example', action: 'delayed', status: '4.4.7', diagnostic: 'delayed' }));
    expect(bounceRecipients(mail)).toEqual([]);
    expect(classify(mail, true)).toBe('auto_reply');
  });
});

describe('a body no MIME part can be read from', () => {
  it('multipart/alternative without a boundary: the body is kept as sent, as text, and the reason is given', async () => {
    const mail = await read(boundarylessReply({ from: 'ann@example.net', to: 'app@example.com', messageId: '<broken-1@example.net>', inReplyTo: '<x@example.com>', text: 'Thanks, see you on Monday.\r\n\r\n> quoted' }));
    expect(mail.unreadableBody).toBe('multipart/alternative without a boundary');
    expect(mail.text).toBe('Thanks, see you on Monday.\r\n\r\n> quoted\r\n');
    expect(mail.newText).toBe('Thanks, see you on Monday.');
    expect(mail.html).toBeNull();
  });

  it('a multipart whose boundary never appears says so; readable messages and empty bodies have no reason', async () => {
    const raw = (type: string, body: string) => Buffer.from(`From: a@example.net\r\nTo: app@example.com\r\nSubject: s\r\nMIME-Version: 1.0\r\nContent-Type: ${type}\r\n\r\n${body}\r\n`);
    expect((await read(raw('multipart/mixed; boundary="never"', 'Only text'))).unreadableBody).toBe('multipart/mixed whose parts could not be found');
    for (const [type, body] of [
      ['text/plain', 'Hello'],
      ['text/html', '<p>Hello</p>'],
      ['text/plain', ''],
      ['application/pdf', 'JVBERi0='],
    ]) {
      expect((await read(raw(type, body))).unreadableBody, type).toBeNull();
    }
  });
});
