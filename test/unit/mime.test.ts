import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { composeMime, type MimeInput } from '../../src/delivery/mime.js';
import { orderMessage } from '../helpers/mime-message.js';

const base: MimeInput = orderMessage;

const compose = (patch: Partial<MimeInput>) => composeMime({ ...base, ...patch });
const parse = (raw: string) => simpleParser(Buffer.from(raw));
const addresses = (a: AddressObject | AddressObject[] | undefined) => (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) => o.value.map((v) => ({ name: v.name, address: v.address })));
const lf = (s: string) => s.replace(/\r\n/g, '\n');
/** RFC 2047 words back to text (mailparser leaves X- headers as they came). */
const decodeWords = (v: string) =>
  v.replace(/=\?UTF-8\?([QB])\?([^?]*)\?=\s*/gi, (_, enc: string, data: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(data, 'base64').toString('utf8')
      : Buffer.from(data.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_h, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8'),
  );

/** Wire rules every composed message must keep, whatever went in. */
function assertWireSafe(raw: string) {
  expect(raw, 'only CRLF line ends').not.toMatch(/\r(?!\n)|(?<!\r)\n/);
  const [head] = raw.split('\r\n\r\n');
  for (const line of head.split('\r\n')) expect(line.length, `header line too long: ${line}`).toBeLessThanOrEqual(78);
  for (const line of raw.split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
  expect(Buffer.from(raw).length, "8-bit characters must be encoded").toBe(raw.length);
}

describe('composeMime', () => {
  it('writes the headers a mail client expects, and never Bcc', async () => {
    const raw = compose({ cc: [{ name: 'Bob', address: 'bob@example.net' }], replyTo: 'help@shop.example' });
    assertWireSafe(raw);
    const mail = await parse(raw);
    expect(addresses(mail.from)).toEqual([{ name: 'Shop', address: 'noreply@shop.example' }]);
    expect(addresses(mail.to)).toEqual([{ name: '', address: 'ann@example.net' }]);
    expect(addresses(mail.cc)).toEqual([{ name: 'Bob', address: 'bob@example.net' }]);
    expect(addresses(mail.replyTo)).toEqual([{ name: '', address: 'help@shop.example' }]);
    expect(mail.subject).toBe('Your order');
    expect(mail.messageId).toBe('<01TEST@shop.example>');
    expect(mail.date?.toISOString()).toBe('2026-11-22T08:30:00.000Z');
    expect(raw).toMatch(/^MIME-Version: 1\.0$/m);
    expect(raw).not.toMatch(/^bcc:/im);
    // Plain short ASCII stays readable on the wire.
    expect(raw).toMatch(/^Content-Transfer-Encoding: 7bit$/m);
    expect(lf(mail.text ?? '')).toBe('Hello Ann,\nyour order has shipped.\n');
  });

  it('writes a stored Reply-To with its display name as the From name is written: quoted, RFC 2047-encoded', async () => {
    for (const [stored, name, line] of [
      ['Help Desk <help@shop.example>', 'Help Desk', /^Reply-To: Help Desk <help@shop\.example>$/m],
      ['"Support, Team" <help@shop.example>', 'Support, Team', /^Reply-To: "Support, Team" <help@shop\.example>$/m],
      ['"Müller, Kundendienst" <help@shop.example>', 'Müller, Kundendienst', /^Reply-To: =\?UTF-8\?Q\?[!-~]+\?= <help@shop\.example>$/m],
      ['"=?utf-8?q?x?=" <help@shop.example>', '=?utf-8?q?x?=', /^Reply-To: =\?UTF-8\?Q\?[!-~]+\?= <help@shop\.example>$/m],
      ['help@shop.example', '', /^Reply-To: help@shop\.example$/m],
    ] as const) {
      const raw = compose({ replyTo: stored });
      assertWireSafe(raw);
      expect(raw, stored).toMatch(line);
      expect(addresses((await parse(raw)).replyTo), stored).toEqual([{ name, address: 'help@shop.example' }]);
    }
    // A row that does not parse (none is stored so) goes out as an address, without a line break.
    const raw = compose({ replyTo: 'x@shop.example\r\nBcc: victim@example.org' });
    expect(raw).not.toMatch(/^Bcc:/im);
  });

  it('encodes non-ASCII subjects, display names and header values and reads them back exactly', async () => {
    const subject = 'Bestellung „Größe M“ versandt — 注文 🚚 '.repeat(3).trim();
    const raw = compose({
      subject,
      from: { name: 'Ünïcödé, "Shop" <GmbH>', address: 'noreply@shop.example' },
      to: [{ name: 'José Ñúñez', address: 'jose@xn--bcher-kva.example' }, { address: 'ann@example.net' }],
      headers: { 'X-Campaign': 'Été 2026 — soldes', 'In-Reply-To': '<abc@shop.example>', References: '<a@x.example> <b@x.example>' },
    });
    assertWireSafe(raw);
    const mail = await parse(raw);
    expect(mail.subject).toBe(subject);
    expect(addresses(mail.from)).toEqual([{ name: 'Ünïcödé, "Shop" <GmbH>', address: 'noreply@shop.example' }]);
    // On the wire the domain stays punycode; mailparser shows it decoded.
    expect(raw).toContain('<jose@xn--bcher-kva.example>');
    expect(addresses(mail.to)).toEqual([
      { name: 'José Ñúñez', address: 'jose@bücher.example' },
      { name: '', address: 'ann@example.net' },
    ]);
    expect(decodeWords(String(mail.headers.get('x-campaign')))).toBe('Été 2026 — soldes');
    expect(mail.inReplyTo).toBe('<abc@shop.example>');
    expect(mail.references).toEqual(['<a@x.example>', '<b@x.example>']);
  });

  it('keeps long lines, trailing spaces, dots and boundary look-alikes of a text body intact', async () => {
    const text = ['x'.repeat(2000), 'trailing spaces   ', '.', '..starts with dots', '--=_mr_0000', 'From the start', 'mixed\r\nline\rends'].join('\n');
    const raw = compose({ text });
    assertWireSafe(raw);
    expect(raw).toMatch(/^Content-Transfer-Encoding: quoted-printable$/m);
    const mail = await parse(raw);
    expect(lf(mail.text ?? '')).toBe(text.replace(/\r\n|\r/g, '\n'));
  });

  it('chooses base64 for mostly non-Latin text and round-trips it', async () => {
    const text = 'こんにちは、ご注文の商品を発送しました。\n'.repeat(40);
    const raw = compose({ text });
    assertWireSafe(raw);
    expect(raw).toMatch(/^Content-Transfer-Encoding: base64$/m);
    expect(lf((await parse(raw)).text ?? '')).toBe(text);
  });

  it('sends text and HTML as multipart/alternative, HTML alone as text/html', async () => {
    const html = '<p>Hello <b>Ann</b> — <a href="https://shop.example/o/1?x=1&y=2">order</a></p>';
    const both = compose({ html });
    assertWireSafe(both);
    expect(both).toMatch(/^Content-Type: multipart\/alternative; boundary="=_mr_[0-9a-f]{20}"$/m);
    const mail = await parse(both);
    expect(lf(mail.text ?? '')).toBe('Hello Ann,\nyour order has shipped.\n');
    expect(mail.html).toBe(html);

    const htmlOnly = await parse(compose({ text: null, html }));
    expect(htmlOnly.html).toBe(html);
    expect(compose({ text: null, html })).toMatch(/^Content-Type: text\/html; charset=utf-8$/m);
  });

  it('attaches files byte for byte, with non-ASCII and awkward file names', async () => {
    const binary = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 37) % 256));
    const raw = compose({
      html: '<p>invoice</p>',
      attachments: [
        { filename: 'Rechnung März 2026 (Kopie).pdf', contentType: 'application/pdf', contentBase64: binary.toString('base64') },
        // Base64 as a caller may send it: wrapped at 60 columns.
        { filename: 'a;b="c".txt', contentType: 'text/plain', contentBase64: Buffer.from('plain\n').toString('base64').replace(/(.{4})/g, '$1\n') },
      ],
    });
    assertWireSafe(raw);
    expect(raw).toMatch(/^Content-Type: multipart\/mixed; boundary=/m);
    const mail: ParsedMail = await parse(raw);
    expect(mail.html).toBe('<p>invoice</p>');
    expect(lf(mail.text ?? '')).toBe('Hello Ann,\nyour order has shipped.\n');
    expect(mail.attachments.map((a) => [a.filename, a.contentType])).toEqual([
      ['Rechnung März 2026 (Kopie).pdf', 'application/pdf'],
      ['a;b="c".txt', 'text/plain'],
    ]);
    expect(Buffer.compare(mail.attachments[0].content, binary)).toBe(0);
    expect(mail.attachments[1].content.toString()).toBe('plain\n');
  });

  it('writes an empty text part for a message without a body', async () => {
    const raw = compose({ text: null, html: null });
    assertWireSafe(raw);
    expect((await parse(raw)).subject).toBe('Your order');
  });
});
