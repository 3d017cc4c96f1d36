import { generateKeyPairSync } from 'node:crypto';
import { dkimVerify } from 'mailauth';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import DKIM from 'nodemailer/lib/dkim';
import MailComposer from 'nodemailer/lib/mail-composer';
import { describe, expect, it } from 'vitest';
import { envelopeRecipients, validateSubmission, type Submission } from '../../src/core/outbox/messages.js';
import { composeMime, type MimeInput } from '../../src/delivery/mime.js';
import { orderMessage } from '../helpers/mime-message.js';

/*
 * An adversarial review of composeMime: the same input through nodemailer's MailComposer (what
 * Mailroom used before) must read back the same in a mail client (mailparser here); whatever
 * goes in, the document keeps the wire rules; and nothing that passes validateSubmission can
 * add a header, a MIME part or a recipient.
 */

const base: MimeInput = orderMessage;
const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
const file = (filename: string, content: string | Buffer = 'x', contentType = 'text/plain') => ({ filename, contentType, contentBase64: b64(content) });

/** The same message as the previous code handed it to nodemailer (git 1fdbc0c^: src/delivery/mail-options.ts). */
function nodemailerCompose(m: MimeInput): Promise<Buffer> {
  const mailbox = (a: { name?: string; address: string }) => (a.name ? { name: a.name, address: a.address } : a.address);
  return new MailComposer({
    from: mailbox(m.from),
    to: m.to.map(mailbox),
    ...(m.cc.length ? { cc: m.cc.map(mailbox) } : {}),
    ...(m.replyTo ? { replyTo: m.replyTo } : {}),
    subject: m.subject,
    ...(m.text !== null ? { text: m.text } : {}),
    ...(m.html !== null ? { html: m.html } : {}),
    headers: m.headers,
    attachments: m.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.contentBase64, encoding: 'base64' })),
    ...(m.messageIdHeader ? { messageId: m.messageIdHeader } : {}),
    date: new Date(m.createdAt),
    disableFileAccess: true,
    disableUrlAccess: true,
  })
    .compile()
    .build();
}

/**
 * What a client reads. SMTP DATA ends a document whose last byte is not a line feed with a CRLF
 * (nodemailer's data stream does, as every client must), so the comparison is on what arrives:
 * a single-part message from composeMime ends at its last byte of content, MailComposer's
 * with a CRLF.
 */
async function read(raw: string | Buffer, customHeaders: string[]) {
  const arrived = Buffer.from(raw).at(-1) === 0x0a ? Buffer.from(raw) : Buffer.concat([Buffer.from(raw), Buffer.from('\r\n')]);
  const mail = await simpleParser(arrived);
  const addresses = (a: AddressObject | AddressObject[] | undefined) => (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) => o.value.map((v) => ({ name: v.name, address: v.address })));
  return {
    subject: mail.subject,
    from: addresses(mail.from),
    to: addresses(mail.to),
    cc: addresses(mail.cc),
    replyTo: addresses(mail.replyTo),
    text: (mail.text ?? '').replace(/\r\n/g, '\n'),
    html: mail.html || '',
    attachments: mail.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, bytes: a.content.toString('base64') })),
    headers: Object.fromEntries(customHeaders.map((k) => [k, mail.headers.get(k.toLowerCase())])),
  };
}

/** The wire rules, as messages (empty when the document keeps them all). */
function wireProblems(raw: string): string[] {
  const problems: string[] = [];
  if (/\r(?!\n)|(?<!\r)\n/.test(raw)) problems.push('a bare CR or LF');
  if (/[\u0080-\uffff]/.test(raw)) problems.push('8-bit characters');
  const lines = raw.split('\r\n');
  const long = lines.filter((l) => l.length > 998);
  if (long.length) problems.push(`${long.length} lines over 998 octets (${long.map((l) => l.slice(0, 30)).join(', ')})`);
  const head = raw.slice(0, raw.indexOf('\r\n\r\n')).split('\r\n');
  // Over 78 only where the line has no place left to fold: no whitespace after its first character.
  const unfolded = head.filter((l) => l.length > 78 && /\S[ \t]/.test(l.trimStart()));
  if (unfolded.length) problems.push(`header lines over 78 with a fold point: ${unfolded.join(' | ')}`);
  if (/^bcc:/im.test(raw)) problems.push('a Bcc header');
  return problems;
}

/** Header names of the top-level header block, unfolded by hand (no parser to trust). */
const headerNames = (raw: string) =>
  raw
    .slice(0, raw.indexOf('\r\n\r\n'))
    .split(/\r\n(?![ \t])/)
    .map((l) => l.slice(0, l.indexOf(':')).toLowerCase());

const corpus: [string, Partial<MimeInput>][] = [
  ['plain', {}],
  ['emoji and RTL subject', { subject: '🎉 Party 🎉 שלום עליכם مرحبا 你好 ' }],
  ['RTL display name', { from: { name: 'שלום עליכם', address: 'noreply@shop.example' } }],
  ['subject of 998 words', { subject: 'word '.repeat(200).slice(0, 998) }],
  ['subject of 998 non-ASCII letters without a space', { subject: 'ä'.repeat(998) }],
  ['subject of 499 emoji', { subject: '😀'.repeat(499) }],
  ['subject mixing long words and umlauts', { subject: ('Grüße aus Köln ' + 'x'.repeat(100) + ' ').repeat(7).slice(0, 998) }],
  ['subject with tabs and edge spaces', { subject: '  a\tb\t\tc  ' }],
  ['subject with Unicode line separators', { subject: 'a\u2028b\u0085c\u2029d' }],
  ['subject with control characters', { subject: 'a\x0bb\x0cc\x1bd\x7f' }],
  ['empty subject', { subject: '' }],
  ['display names with quotes, backslashes and address look-alikes', {
    from: { name: 'Ann "The Boss" \\ O\'Brien', address: 'noreply@shop.example' },
    to: [
      { name: 'price ?= 5 =', address: 'a@shop.example' },
      { name: 'Smith, John <x@evil.example>', address: 'b@shop.example' },
      { name: 'Zoë "Z" \\ Ü\t', address: 'c@shop.example' },
      { name: 'A\u2028B\u0085', address: 'd@shop.example' },
    ],
  }],
  ['long display names', { to: [{ name: 'Verylongname '.repeat(20).trim(), address: 'a@shop.example' }, { name: 'Ünïcödé '.repeat(30).trim(), address: 'b@shop.example' }] }],
  ['99 recipients', {
    to: Array.from({ length: 60 }, (_, i) => ({ name: i % 2 ? `Person ${i} Ünï` : undefined, address: `user${i}@example${i}.net` })),
    cc: Array.from({ length: 39 }, (_, i) => ({ address: `cc${i}@x.example` })),
  }],
  ['punycode domain and Reply-To', { to: [{ address: 'a@xn--bcher-kva.example' }], replyTo: 'help@shop.example' }],
  ['custom headers', {
    headers: {
      'X-Tag': 'a\tb',
      'X-Long': 'v '.repeat(400).trim(),
      'X-Uni': 'Ünïcödé 😀 '.repeat(40).trim(),
      'X-Data': 'Bcc: x@evil.example',
      'X-Ctl': 'a\x01b\x0bc\x7f',
      'List-Id': 'Shop news <news.shop.example>',
      'List-Unsubscribe': '<mailto:unsub@shop.example?subject=unsubscribe>, <https://shop.example/u/' + 'a'.repeat(200) + '>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      References: Array.from({ length: 30 }, (_, i) => `<msg${i}.${'z'.repeat(20)}@x.example>`).join(' '),
      'In-Reply-To': '<abc@x.example>',
    },
  }],
  ['text only, no final newline', { text: 'hi' }],
  ['HTML only', { text: null, html: '<p>hi</p>' }],
  ['neither text nor HTML', { text: null, html: null }],
  ['text and HTML', { html: '<p>hi ünï</p>' }],
  ['empty text', { text: '' }],
  ['lines of only dots', { text: '.\n..\n.\r\n. \n.' }],
  ['a single dot', { text: '.' }],
  ['trailing whitespace', { text: 'a   \nb\t\nc \r\n' }],
  ['trailing whitespace with umlauts', { text: 'ä   \nb\t\nc ' }],
  ['a 5000-character word', { text: 'x'.repeat(5000) }],
  ['a 5000-character non-ASCII word', { text: 'ä'.repeat(5000) }],
  ['Japanese text', { text: 'こんにちは'.repeat(300) }],
  ['emoji text', { text: '😀 '.repeat(300) }],
  ['control characters in text', { text: 'a\x01b\x7fc\x1b[31m' }],
  ['From and boundary look-alikes', { text: 'From me\n--=_mr_00\n--=_mr_00--\n------_NmP-1-Part_1' }],
  ['long HTML line', { text: null, html: '<p>' + 'a '.repeat(3000) + '</p>' }],
  ['attachment bytes', { attachments: [file('a.pdf', Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 37) % 256)), 'application/pdf')] }],
  ['empty attachment', { attachments: [file('empty.txt', '')] }],
  ['odd file names', {
    html: '<b>x</b>',
    attachments: [
      file('a"b;c=d\\e.txt'),
      file('Résumé 履歴書 😀.pdf'),
      file('n'.repeat(251) + '.txt'),
      file('ü'.repeat(251) + '.txt'),
      file('a\u2028b\u0085c.txt'),
      file('a\tb\x01\x7f.txt'),
      file('=?utf-8?q?evil.exe?='),
      file("utf-8''evil.exe"),
      file("a%20b*'x'.txt"),
      file('"'.repeat(255)),
      file('   '),
      file('--=_mr_x'),
    ],
  }],
  ['odd content types', { attachments: [file('x.html', '<p>ä</p>', 'text/html'), file('x', 'x', 'Application/X-Weird+Thing.v1'), file('y', 'y', 'application/' + 'a'.repeat(240))] }],
  ['20 attachments', { attachments: Array.from({ length: 20 }, (_, i) => file(`f${i}.bin`, Buffer.alloc(i * 10, i), 'application/octet-stream')) }],
];

describe('composeMime against nodemailer MailComposer', () => {
  for (const [name, patch] of corpus) {
    it(`reads back the same: ${name}`, async () => {
      const m = { ...base, ...patch };
      const ours = composeMime(m);
      const keys = Object.keys(m.headers);
      expect(await read(ours, keys)).toEqual(await read(await nodemailerCompose(m), keys));
      expect(wireProblems(ours)).toEqual([]);
      expect(headerNames(ours).filter((h) => !['from', 'to', 'cc', 'reply-to', 'subject', 'message-id', 'date', 'mime-version', 'content-type', 'content-transfer-encoding', ...keys.map((k) => k.toLowerCase())].includes(h))).toEqual([]);
    });
  }

  it('turns CR, LF and CRLF into CRLF (MailComposer leaves a bare CR, which is not allowed on the wire and a client drops)', async () => {
    const m = { ...base, text: 'a\r\nb\rc\nd\r\r\n\n', html: '<p>a</p>\r<p>b</p>\n' };
    const ours = composeMime(m);
    expect(wireProblems(ours)).toEqual([]);
    const mail = await read(ours, []);
    expect(mail.text).toBe('a\nb\nc\nd\n\n\n');
    expect(mail.html).toBe('<p>a</p>\n<p>b</p>\n');
    // MailComposer lost the line break at the bare CR: this difference is nodemailer's.
    expect((await read(await nodemailerCompose(m), [])).text).toBe('a\nb\rc\nd\n\n');
  });

  it('keeps encoded-word look-alikes literal (MailComposer passes them through and the reader decodes them)', async () => {
    const m = { ...base, subject: '=?utf-8?q?Hacked?= =?utf-8?b?SGFja2Vk?= price =? 5 ?=', to: [{ name: '=?utf-8?q?evil=40x.example?=', address: 'a@shop.example' }] };
    expect(await read(composeMime(m), [])).toMatchObject({ subject: m.subject, to: [{ name: '=?utf-8?q?evil=40x.example?=', address: 'a@shop.example' }] });
    // This difference is nodemailer's: the caller's literal text is not what its reader sees.
    expect(await read(await nodemailerCompose(m), [])).toMatchObject({ subject: 'HackedHacked price =? 5 ?=', to: [{ name: 'evil@x.example', address: 'a@shop.example' }] });
  });

  it('keeps a message/rfc822 attachment an attachment (MailComposer makes it inline, and a client shows it as part of the text)', async () => {
    const inner = 'Subject: inner\r\n\r\nbody\r\n';
    const ours = await read(composeMime({ ...base, attachments: [file('fw.eml', inner, 'message/rfc822')] }), []);
    expect(ours.text).toBe('Hello Ann,\nyour order has shipped.\n');
    expect(ours.attachments).toEqual([{ filename: 'fw.eml', contentType: 'message/rfc822', bytes: b64(inner) }]);
    const theirs = await read(await nodemailerCompose({ ...base, attachments: [file('fw.eml', inner, 'message/rfc822')] }), []);
    expect(theirs.attachments).toEqual([]);
  });

  it('sends an attached mail as 7bit (RFC 2046 5.2.1) when it is ASCII with short lines, else as base64', async () => {
    const inner = 'From: a@example.com\nSubject: inner\n\n.line with a dot\r\n';
    const raw = composeMime({ ...base, attachments: [file('fw.eml', inner, 'message/rfc822; charset=us-ascii')] });
    expect(raw).toContain('Content-Transfer-Encoding: 7bit\r\nContent-Disposition: attachment; filename=fw.eml\r\n\r\nFrom: a@example.com\r\nSubject: inner\r\n\r\n.line with a dot\r\n');
    expect(wireProblems(raw)).toEqual([]);
    expect((await read(raw, [])).attachments).toEqual([{ filename: 'fw.eml', contentType: 'message/rfc822', bytes: b64(inner.replace(/\r?\n/g, '\r\n')) }]);
    for (const odd of ['Subject: caf\u00e9\r\n\r\nx\r\n', `Subject: long\r\n\r\n${'y'.repeat(999)}\r\n`, 'Subject: nul\r\n\r\n\u0000\r\n']) {
      const other = composeMime({ ...base, attachments: [file('fw.eml', odd, 'message/rfc822')] });
      expect(other).toMatch(/Content-Type: message\/rfc822; name=fw.eml\r\nContent-Transfer-Encoding: base64/);
      expect((await read(other, [])).attachments[0].bytes).toBe(b64(odd));
    }
  });
});

describe('composeMime wire rules at the validation limits', () => {
  // A header value may be 998 characters (the subject too): a word that long cannot be folded,
  // and "Name:" plus a folded " <998 characters>" line is 999, over the 998 every SMTP server
  // may enforce. MailComposer writes the same over-long line.
  const cases: [string, Partial<MimeInput>, string][] = [
    ['an ASCII subject without spaces', { subject: 'x'.repeat(998) }, 'subject'],
    ['a subject of "=?" pairs', { subject: '=?'.repeat(499) }, 'subject'],
    ['an X- header without spaces', { headers: { 'X-Long-Word': 'y'.repeat(998) } }, 'x-long-word'],
    ['a List-Unsubscribe URL', { headers: { 'List-Unsubscribe': `<https://shop.example/u/${'a'.repeat(998 - 26)}>` } }, 'list-unsubscribe'],
  ];
  for (const [name, patch, key] of cases) {
    it(`keeps every line within 998 octets: ${name}`, async () => {
      const raw = composeMime({ ...base, ...patch });
      expect(wireProblems(raw)).toEqual([]);
      const value = patch.subject ?? Object.values(patch.headers ?? {})[0];
      const mail = await simpleParser(Buffer.from(raw));
      // Subject is decoded by every client; the other headers hold the same RFC 2047 words
      // (a client decodes them in an X- header; a 998-character URL is no real one).
      if (key === 'subject') expect(mail.subject).toBe(value);
      expect(headerNames(raw).filter((h) => h === key)).toEqual([key]);
    });
  }

  it('writes In-Reply-To and References from stored rows as 7-bit even when they hold non-ASCII (validation now refuses that)', () => {
    const raw = composeMime({ ...base, headers: { 'In-Reply-To': '<ünï@x.example>', References: '<a@x.example> <ü@x.example>' } });
    expect(wireProblems(raw)).toEqual([]);
    expect(headerNames(raw)).toContain('in-reply-to');
  });
});

/** A stored message as messages.service builds it from a validated submission. */
function stored(sub: Submission): MimeInput {
  const mb = (m: { name?: string; address: string }) => (m.name ? { name: m.name, address: m.address } : { address: m.address });
  return {
    ...base,
    from: sub.from ? mb(sub.from) : base.from,
    to: sub.to.map(mb),
    cc: sub.cc.map(mb),
    replyTo: sub.replyTo?.address ?? null,
    subject: sub.subject,
    text: sub.text ?? null,
    html: sub.html ?? null,
    headers: sub.headers,
    attachments: sub.attachments,
  };
}

describe('injection through input that reaches the composer', () => {
  const hostile = {
    from: '"Shop\\" <evil@attacker.example>, \\"x" <noreply@shop.example>',
    to: ['"=?utf-8?q?boss=40corp.example?=" <ann@example.net>', '"Bcc: victim@corp.example" <bob@example.net>', '"Ann\u2028Bcc: x@y.example" <carl@example.net>'],
    cc: ['"\\"\\\\ <x@attacker.example>" <dora@example.net>'],
    bcc: ['hidden@example.net'],
    subject: 'Hi\u2028Bcc: x@attacker.example\u0085Content-Type: text/html\tX-Evil: 1',
    text: 'body\r\n--boundary\r\nContent-Type: text/html\r\n\r\n<b>x</b>\r\n.\r\nMAIL FROM:<x@attacker.example>\r\n',
    headers: {
      'X-Note': '\tBcc: x@attacker.example\t=?utf-8?q?=0D=0ABcc:_x=40attacker.example?=',
      'List-Id': 'a\u2028Bcc: x@attacker.example <list.shop.example>',
    },
    attachments: [
      { filename: 'a.txt"; filename="evil.exe', contentType: 'text/plain', contentBase64: b64('one') },
      { filename: 'b\u2028Content-Type: text/html\u0085.txt', contentType: 'application/pdf', contentBase64: b64('two') },
      { filename: 'c.txt\t; name=evil.exe', contentType: 'image/png', contentBase64: b64('three') },
    ],
  };

  /**
   * The hostile submission as the composer gets it. Validation now refuses controls other than
   * TAB in a subject, a header's value and a file name; rows stored before it did still reach
   * the composer as they are, so they are put back after validating a copy without them.
   */
  const hostileRow = (): Submission => {
    const blank = (v: string) => v.replace(/[\u2028\u0085]/g, ' ');
    const sub = validateSubmission({
      ...hostile,
      subject: blank(hostile.subject),
      headers: Object.fromEntries(Object.entries(hostile.headers).map(([k, v]) => [k, blank(v)])),
      attachments: hostile.attachments.map((a) => ({ ...a, filename: blank(a.filename) })),
    });
    return { ...sub, subject: hostile.subject, headers: hostile.headers, attachments: sub.attachments.map((a, i) => ({ ...a, filename: hostile.attachments[i]!.filename })) };
  };

  it('validation refuses the controls in the subject, a header value and a file name, naming each', () => {
    expect(() => validateSubmission(hostile)).toThrowError(
      expect.objectContaining({ code: 'MAILROOM_E_VALIDATION', message: 'subject: contains the control character \\u2028 at position 3, which has no place in a mail header', details: expect.objectContaining({ field: 'subject' }) }),
    );
    const base = { to: 'a@example.net', subject: 's', text: 't' };
    expect(() => validateSubmission({ ...base, subject: 'Alert \u001b[31mred' })).toThrow('subject: contains the control character \\u001b at position 7, which has no place in a mail header');
    expect(() => validateSubmission({ ...base, headers: { 'X-Note': 'ring\u0007' } })).toThrow('headers.X-Note: contains the control character \\u0007 at position 5');
    expect(() => validateSubmission({ ...base, attachments: [{ filename: 'a\u007f.txt', contentBase64: b64('x') }] })).toThrow('attachments[0].filename: contains the control character \\u007f at position 2');
    // Position in characters as people count them: the emoji before it is one.
    expect(() => validateSubmission({ ...base, subject: '\u{1F4E6}\u0085' })).toThrow('at position 2,');
    // TAB is a header's own blank: kept.
    expect(validateSubmission({ ...base, subject: 'a\tb', headers: { 'X-Note': 'c\td' } })).toMatchObject({ subject: 'a\tb', headers: { 'X-Note': 'c\td' } });
  });

  it('adds no header, no part and no recipient', async () => {
    const sub = hostileRow();
    const raw = composeMime(stored(sub));
    expect(wireProblems(raw)).toEqual([]);
    expect(headerNames(raw)).toEqual(['from', 'to', 'cc', 'subject', 'x-note', 'list-id', 'message-id', 'date', 'mime-version', 'content-type']);
    const mail: ParsedMail = await simpleParser(Buffer.from(raw));
    expect(mail.subject).toBe(hostile.subject);
    expect(mail.attachments.map((a) => [a.filename, a.contentType, a.content.toString()])).toEqual([
      ['a.txt"; filename="evil.exe', 'text/plain', 'one'],
      ['b\u2028Content-Type: text/html\u0085.txt', 'application/pdf', 'two'],
      ['c.txt\t; name=evil.exe', 'image/png', 'three'],
    ]);
    expect(mail.html).toBe(false);
    expect(mail.text?.replace(/\r\n/g, '\n')).toBe(hostile.text.replace(/\r\n/g, '\n'));
    const envelope = envelopeRecipients([
      { kind: 'to', list: sub.to },
      { kind: 'cc', list: sub.cc },
      { kind: 'bcc', list: sub.bcc },
    ]).map((r) => r.address);
    expect(envelope).toEqual(['ann@example.net', 'bob@example.net', 'carl@example.net', 'dora@example.net', 'hidden@example.net']);
    const readBack = (a: AddressObject | AddressObject[] | undefined) => (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) => o.value.map((v) => v.address));
    expect(readBack(mail.to)).toEqual(['ann@example.net', 'bob@example.net', 'carl@example.net']);
    expect(readBack(mail.cc)).toEqual(['dora@example.net']);
    expect(readBack(mail.from)).toEqual(['noreply@shop.example']);
    expect(raw).not.toContain('hidden@example.net');
  });

  it('writes encoded-word look-alikes as literal text, so a client cannot decode them into CR, LF or another address', async () => {
    // Validation refuses CR/LF/NUL in these fields; written through as they are (MailComposer
    // does), "=?utf-8?q?=0D=0A…?=" reached the reader as a line break, and a display name as
    // an address of the caller's choosing.
    const sub = validateSubmission({
      from: '"=?utf-8?q?ceo=40bank.example?=" <noreply@shop.example>',
      to: ['Ann <ann@example.net>', '"=?utf-8?b?PGV2aWxAeC5leGFtcGxlPg==?= x" <bob@example.net>'],
      subject: 'Re: =?utf-8?q?Hi=0D=0ABcc:_x=40attacker.example=00?=',
      text: 't',
      headers: { 'X-Note': '=?utf-8?q?a=0D=0Ab?=', 'In-Reply-To': '<=?x?=@shop.example>' },
    });
    const raw = composeMime(stored(sub));
    expect(wireProblems(raw)).toEqual([]);
    const mail = await simpleParser(Buffer.from(raw));
    expect(mail.subject).toBe('Re: =?utf-8?q?Hi=0D=0ABcc:_x=40attacker.example=00?=');
    const names = (a: AddressObject | AddressObject[] | undefined) => (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) => o.value.map((v) => [v.name, v.address]));
    expect(names(mail.from)).toEqual([['=?utf-8?q?ceo=40bank.example?=', 'noreply@shop.example']]);
    expect(names(mail.to)).toEqual([
      ['Ann', 'ann@example.net'],
      ['=?utf-8?b?PGV2aWxAeC5leGFtcGxlPg==?= x', 'bob@example.net'],
    ]);
    // An X- header stays undecoded by mailparser: it must not be one RFC 2047 word a client would decode.
    expect(raw).not.toMatch(/^X-Note: =\?utf-8\?q\?a=0D=0Ab\?=$/m);
    // A message id is structured: it is never encoded, whatever it holds.
    expect(mail.inReplyTo).toBe('<=?x?=@shop.example>');
  });

  it('refuses two custom headers whose names differ only in case (In-Reply-To may appear once)', () => {
    expect(() => validateSubmission({ to: 'a@example.net', subject: 's', text: 't', headers: { 'In-Reply-To': '<a@x.example>', 'in-reply-to': '<b@x.example>' } })).toThrow(/more than once/);
    expect(() => validateSubmission({ to: 'a@example.net', subject: 's', text: 't', headers: { 'X-Tag': '1', 'x-tag': '2' } })).toThrow(/more than once/);
  });

  it('refuses non-ASCII in message ids and List-Unsubscribe, where an encoded word would break them', () => {
    for (const [name, value] of [['In-Reply-To', '<ünï@x.example>'], ['References', '<a@x.example> <ü@x.example>'], ['List-Unsubscribe', '<https://bücher.example/u>']]) {
      expect(() => validateSubmission({ to: 'a@example.net', subject: 's', text: 't', headers: { [name]: value } }), name).toThrow(/ASCII/);
    }
    expect(validateSubmission({ to: 'a@example.net', subject: 's', text: 't', headers: { 'X-Campaign': 'Été', 'List-Id': 'Bücher <news.shop.example>' } }).headers['X-Campaign']).toBe('Été');
  });

  it('refuses multipart/* as an attachment type: without a boundary it is no multipart, and it may not be base64', () => {
    expect(() => validateSubmission({ to: 'a@example.net', subject: 's', text: 't', attachments: [{ filename: 'x', contentType: 'multipart/mixed', contentBase64: b64('--x\r\n\r\nhi\r\n--x--') }] })).toThrow(/multipart/);
  });
});

describe('DKIM over the composed document', () => {
  it('verifies a message with non-ASCII headers, text, HTML and an attachment', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const record = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
    const raw = composeMime({
      ...base,
      subject: 'Grüße 😀 '.repeat(20).trim(),
      from: { name: 'Zoë "Z" Ünïcödé', address: 'noreply@shop.example' },
      to: [{ name: 'José Ñúñez', address: 'jose@xn--bcher-kva.example' }],
      headers: { 'X-Campaign': 'Été 2026 — soldes', 'List-Unsubscribe': '<https://shop.example/u/1>' },
      text: 'Grüße\n.\ntrailing   \n',
      html: '<p>Grüße</p>',
      attachments: [file('Résumé 2026.pdf', Buffer.alloc(3000, 9), 'application/pdf')],
    });
    const signed = new DKIM({ domainName: 'shop.example', keySelector: 's1', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }).sign(raw);
    const chunks: Buffer[] = [];
    for await (const c of signed) chunks.push(c as Buffer);
    const result = await dkimVerify(Buffer.concat(chunks), {
      resolver: async (name, type) => {
        if (name === 's1._domainkey.shop.example' && type === 'TXT') return [[record]];
        throw Object.assign(new Error(`no ${type} for ${name}`), { code: 'ENOTFOUND' });
      },
    });
    expect(result.results.map((r) => [r.signingDomain, r.status.result])).toEqual([['shop.example', 'pass']]);
  });
});
