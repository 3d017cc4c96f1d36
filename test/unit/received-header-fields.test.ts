import { describe, expect, it } from 'vitest';
import { MAX_HEADER_CHARS } from '../../src/inbound/header-fields.js';
import { parseMail } from '../../src/inbound/parse-mail.js';

/**
 * What the email log keeps of a received message's header: every field, unfolded, by its name
 * as written, in the message's order; a repeated field's values one per line; NUL replaced (so
 * PostgreSQL stores it); a hostile header bounded by whole fields.
 */
const read = (head: string) => {
  const raw = Buffer.from(`${head}\r\n\r\nHello\r\n`, 'utf8');
  return parseMail(raw, raw.length, false);
};

describe("a received message's header fields", () => {
  it('keeps every field unfolded, by its name as written, in order, repeated ones one per line', async () => {
    const mail = await read(
      [
        'Received: from mx.example.net (mx.example.net [192.0.2.7])\r\n\tby mail.example.com; Mon, 7 Dec 2026 10:00:02 +0000',
        'Received: from client.example.net\r\n by mx.example.net; Mon, 7 Dec 2026 10:00:01 +0000',
        'Authentication-Results: mail.example.com; spf=pass smtp.mailfrom=example.net',
        'From: Bea <bea@example.net>',
        'To: app@example.com',
        'Subject: =?UTF-8?B?w6l0w6k=?=',
        'Message-ID: <r1@example.net>',
        'X-Custom-Thing: one',
        'x-custom-thing: two',
      ].join('\r\n'),
    );
    expect(Object.keys(mail.headers)).toEqual(['Received', 'Authentication-Results', 'From', 'To', 'Subject', 'Message-ID', 'X-Custom-Thing']);
    expect(mail.headers.Received).toBe('from mx.example.net (mx.example.net [192.0.2.7])\tby mail.example.com; Mon, 7 Dec 2026 10:00:02 +0000\nfrom client.example.net by mx.example.net; Mon, 7 Dec 2026 10:00:01 +0000');
    // As written (the decoded subject is the message's `subject`).
    expect(mail.headers.Subject).toBe('=?UTF-8?B?w6l0w6k=?=');
    expect(mail.subject).toBe('été');
    expect(mail.headers['X-Custom-Thing']).toBe('one\ntwo');
    expect(mail.headers['Message-ID']).toBe('<r1@example.net>');
  });

  it('replaces NUL, so PostgreSQL can store the field', async () => {
    const mail = await read('From: a@example.net\r\nX-Broken: a\u0000b');
    expect(mail.headers['X-Broken']).toBe('a\uFFFDb');
  });

  it('keeps whole fields up to its bound and leaves the rest out', async () => {
    const big = 'x'.repeat(10_000);
    const fields = Array.from({ length: 10 }, (_, i) => `X-Big-${i}: ${big}`);
    const mail = await read(['From: a@example.net', ...fields].join('\r\n'));
    const kept = Object.keys(mail.headers).filter((k) => k.startsWith('X-Big-'));
    expect(kept.length).toBe(Math.floor(MAX_HEADER_CHARS / (big.length + 'X-Big-0'.length)));
    for (const k of kept) expect(mail.headers[k]).toBe(big);
    expect(mail.headers.From).toBe('a@example.net');
  });
});
