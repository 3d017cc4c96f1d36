import { describe, expect, it } from 'vitest';
import { parseMail } from '../../src/inbound/parse-mail.js';

/**
 * Raw 8-bit bytes in a received message's header fields, as the log's `headers` shows them and
 * its decoded subject and addresses read them: UTF-8 as UTF-8, anything that is no UTF-8 as
 * Latin-1, and the C1 bytes (no Latin-1 text; the 0x80 Dovecot writes for a NUL) as U+FFFD.
 */
const read = (head: Buffer) => {
  const raw = Buffer.concat([head, Buffer.from('\r\n\r\nHello\r\n')]);
  return parseMail(raw, raw.length, false);
};

describe('raw 8-bit bytes in received header fields', () => {
  it('reads UTF-8 as UTF-8, Latin-1 as Latin-1, and 0x80 (a NUL, as Dovecot hands it out) as U+FFFD', async () => {
    const mail = await read(Buffer.concat([Buffer.from('From: a@example.net\r\nX-Utf8: Grüße\r\n', 'utf8'), Buffer.from('X-Latin1: K\xf6ln\r\nX-Dovecot-Nul: a\x80b', 'latin1')]));
    expect({ utf8: mail.headers['X-Utf8'], latin1: mail.headers['X-Latin1'], nul: mail.headers['X-Dovecot-Nul'] }).toEqual({ utf8: 'Grüße', latin1: 'Köln', nul: 'a\uFFFDb' });
  });

  it('decodes a subject and a name a legacy sender wrote in raw Latin-1 as their letters (they were U+FFFD), UTF-8 fields beside them as UTF-8', async () => {
    const mail = await read(
      Buffer.concat([
        Buffer.from('From: J\xf6rg M\xfcller <joerg@example.net>\r\nSubject: Gr\xfc\xdfe aus K\xf6ln\r\n', 'latin1'),
        Buffer.from('To: Zoë <app@example.com>\r\nX-Dovecot-Nul: a', 'utf8'),
        Buffer.from('\x80b', 'latin1'),
      ]),
    );
    expect(mail.subject).toBe('Grüße aus Köln');
    expect(mail.from).toEqual({ name: 'Jörg Müller', address: 'joerg@example.net' });
    expect(mail.to).toEqual([{ name: 'Zoë', address: 'app@example.com' }]);
    expect(mail.headers).toMatchObject({ Subject: 'Grüße aus Köln', 'X-Dovecot-Nul': 'a\uFFFDb' });
    expect(mail.text).toBe('Hello\n');
  });
});
