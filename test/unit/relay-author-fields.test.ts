import { describe, expect, it } from 'vitest';
import { ambiguousAuthor, authorFields, headerBlockEnd, withoutBcc } from '../../src/core/relay/raw-message.js';

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

describe('blind copies', () => {
  it('drops Resent-Bcc fields as well as Bcc', () => {
    const raw = b('From: a@example.com\r\nResent-From: a@example.com\r\nResent-Bcc: x@example.net,\r\n y@example.net\r\nresent-bcc:z@example.net\r\nSubject: s\r\n\r\nResent-Bcc: in the body stays\r\n');
    expect(withoutBcc(raw, headerBlockEnd(raw)).toString()).toBe('From: a@example.com\r\nResent-From: a@example.com\r\nSubject: s\r\n\r\nResent-Bcc: in the body stays\r\n');
  });
});
