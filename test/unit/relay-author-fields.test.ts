import { describe, expect, it } from 'vitest';
import { addressInAuthorName, ambiguousAuthor, authorFields, decodeEncodedWords, headerBlockEnd, withoutBcc } from '../../src/core/relay/raw-message.js';

const b = (s: string) => Buffer.from(s, 'latin1');
const head = (fields: string) => b(`${fields.replace(/\n/g, '\r\n')}\r\nTo: ops@example.com\r\nSubject: t\r\n`);

describe('From and Sender every reader reads the same way', () => {
  it('refuses author fields another parser would read as a different address', () => {
    // mailparser reads billing@example.com in each; Python's email package (and other strict
    // readers) read evil@evil.com in the first, and several addresses in the others.
    for (const field of [
      'From: evil@evil.com <billing@example.com>',
      'From: <billing@example.com> evil@evil.com',
      'From: billing@example.com (x) evil@evil.com',
      'From: billing@example.com evil@evil.com',
      'From: Billing <billing@example.com> <evil@evil.com>',
      'From: billing@example.com\nSender: evil@evil.com <billing@example.com>',
      'From: a@b <billing@example.com>',
    ]) {
      expect(ambiguousAuthor(authorFields(head(field))), field).toMatchObject({ field: expect.stringMatching(/^(From|Sender)$/) });
    }
  });

  it('accepts what mail programs write', () => {
    for (const field of [
      'From: billing@example.com',
      'From: <billing@example.com>',
      'From: Billing <billing@example.com>',
      'From: "Billing, Inc." <billing@example.com>',
      'From: "evil@evil.com" <billing@example.com>',
      'From: "a \\" <b@c> (d)" <billing@example.com>',
      'From: billing@example.com (Billing (the app))',
      'From: =?utf-8?q?Gr=C3=BC=C3=9Fe?= <billing@example.com>',
      'From: Billing\n <billing@example.com>',
      'From: Billing <billing@example.com>, Ops <ops@example.com>',
      'from : billing@example.com\nSender: app@example.com',
      'From: Dr. J. Doe <billing@example.com>',
    ]) {
      expect(ambiguousAuthor(authorFields(head(field))), field).toBeNull();
    }
  });
});

describe('a display name or comment that reads as another address', () => {
  it('finds an address an encoded word or a comment holds, other than the mailbox\'s own', () => {
    for (const [field, expected] of [
      ['From: =?utf-8?q?evil=40example.com?= <billing@example.com>', { kind: 'display name', written: '=?utf-8?q?evil=40example.com?=', decoded: 'evil@example.com' }],
      // Inside a quoted string mailparser (and mail programs) decode it too; base64 alike.
      ['From: "=?utf-8?b?ZXZpbEBleGFtcGxlLmNvbQ==?=" <billing@example.com>', { kind: 'display name', decoded: 'evil@example.com' }],
      // Two words with a blank between them read as one text (RFC 2047 §6.2).
      ['From: =?utf-8?q?evil?= =?utf-8?q?=40example.com?= <billing@example.com>', { kind: 'display name', decoded: 'evil@example.com' }],
      // A charset the runtime does not know keeps its ASCII.
      ['From: =?x-unknown?q?evil=40example.com?= <billing@example.com>', { kind: 'display name', decoded: 'evil@example.com' }],
      ['From: billing@example.com (evil@example.com)', { kind: 'comment', written: '(evil@example.com)', decoded: '(evil@example.com)' }],
      ['From: billing@example.com (=?utf-8?q?evil=40example.com?=)', { kind: 'comment', decoded: '(evil@example.com)' }],
      ['From: Billing (evil@example.com) <billing@example.com>', { kind: 'comment' }],
      ['From: billing@example.com (a (nested evil@example.com))', { kind: 'comment' }],
      ['From: billing@example.com\nSender: =?utf-8?q?evil=40example.com?= <billing@example.com>', { field: 'Sender', kind: 'display name' }],
    ] as const) {
      expect(ambiguousAuthor(authorFields(head(field))), field).toBeNull();
      expect(addressInAuthorName(authorFields(head(field))), field).toMatchObject({ field: 'From', address: 'billing@example.com', found: 'evil@example.com', ...expected });
    }
  });

  it('lets through names that hold no other address, the mailbox\'s own address, and a quoted name written out', () => {
    for (const field of [
      'From: =?utf-8?q?billing=40example.com?= <billing@example.com>',
      'From: =?utf-8?q?Billing=40Example.COM?= <billing@example.com>',
      'From: billing@example.com (billing@example.com)',
      'From: =?utf-8?q?info=40b=C3=BCcher.example?= <info@xn--bcher-kva.example>',
      'From: "evil@evil.com" <billing@example.com>',
      'From: "a \\" <b@c> (d)" <billing@example.com>',
      'From: billing@example.com (Billing (the app))',
      'From: =?utf-8?q?Gr=C3=BC=C3=9Fe?= <billing@example.com>',
      'From: =?utf-8?q?Support_=40_Example?= <billing@example.com>',
      'From: Billing <billing@example.com>, Ops <ops@example.com>',
    ]) {
      expect(addressInAuthorName(authorFields(head(field))), field).toBeNull();
    }
  });

  it('decodes encoded words as mail programs show them', () => {
    expect(decodeEncodedWords('=?utf-8?q?a_b?= =?utf-8?B?w7w=?= c')).toBe('a bü c');
    expect(decodeEncodedWords('=?iso-8859-1?q?J=F6rg?= <j@example.com>')).toBe('Jörg <j@example.com>');
    expect(decodeEncodedWords('no words here')).toBe('no words here');
  });
});

describe('blind copies', () => {
  it('drops Resent-Bcc fields as well as Bcc', () => {
    const raw = b('From: a@example.com\r\nResent-From: a@example.com\r\nResent-Bcc: x@example.net,\r\n y@example.net\r\nresent-bcc:z@example.net\r\nSubject: s\r\n\r\nResent-Bcc: in the body stays\r\n');
    expect(withoutBcc(raw, headerBlockEnd(raw)).toString()).toBe('From: a@example.com\r\nResent-From: a@example.com\r\nSubject: s\r\n\r\nResent-Bcc: in the body stays\r\n');
  });
});
