import { describe, expect, it } from 'vitest';
import { findBadLineEnding, headerBlockEnd, receivedHeader, withoutBcc } from '../../src/core/relay/raw-message.js';
import { normalizeCredential, rangesOverlap, usernameFromName } from '../../src/core/relay/credentials.js';
import { parseCidr } from '../../src/core/probes/network-policy.js';

const b = (s: string) => Buffer.from(s, 'latin1');

describe('bare line endings (the smuggling defence)', () => {
  it('finds the first bare LF, bare CR or NUL, wherever it is', () => {
    expect(findBadLineEnding(b('a\r\nb\r\n'))).toBeNull();
    expect(findBadLineEnding(b(''))).toBeNull();
    expect(findBadLineEnding(b('\nx'))).toEqual({ kind: 'bare LF', offset: 0 });
    expect(findBadLineEnding(b('ok\r\nbody\n.\r\nMAIL FROM'))).toEqual({ kind: 'bare LF', offset: 8 });
    expect(findBadLineEnding(b('ok\r\nbody\r.\r\n'))).toEqual({ kind: 'bare CR', offset: 8 });
    expect(findBadLineEnding(b('ends in CR\r'))).toEqual({ kind: 'bare CR', offset: 10 });
    expect(findBadLineEnding(b('\r\r\n'))).toEqual({ kind: 'bare CR', offset: 0 });
    expect(findBadLineEnding(b('x\r\n\0\n'))).toEqual({ kind: 'NUL', offset: 3 });
    // The earliest problem wins, whichever kind it is.
    expect(findBadLineEnding(b('a\rb\nc'))).toEqual({ kind: 'bare CR', offset: 1 });
    expect(findBadLineEnding(b('a\nb\rc'))).toEqual({ kind: 'bare LF', offset: 1 });
  });

  it('reads a subarray at its own offsets', () => {
    const whole = b('xx\nyy\r\nzz\r\n');
    expect(findBadLineEnding(whole.subarray(3))).toBeNull();
    expect(findBadLineEnding(whole.subarray(1))).toEqual({ kind: 'bare LF', offset: 1 });
  });
});

describe('header block', () => {
  it('ends after the last header line; a message of headers only is all header', () => {
    expect(headerBlockEnd(b('A: 1\r\nB: 2\r\n\r\nbody\r\n'))).toBe(12);
    expect(headerBlockEnd(b('A: 1\r\nB: 2\r\n'))).toBe(12);
    expect(headerBlockEnd(b('\r\nbody'))).toBe(0);
  });

  it('drops every Bcc field with its folded lines, and nothing else', () => {
    const raw = b('From: a@example.com\r\nBcc: x@example.net,\r\n\ty@example.net\r\nbcc : z@example.net\r\nSubject: Bcc: in a subject stays\r\n\r\nBcc: in the body stays\r\n');
    const out = withoutBcc(raw, headerBlockEnd(raw)).toString();
    expect(out).toBe('From: a@example.com\r\nSubject: Bcc: in a subject stays\r\n\r\nBcc: in the body stays\r\n');
    const none = b('From: a@example.com\r\n\r\nx');
    expect(withoutBcc(none, headerBlockEnd(none))).toBe(none);
  });

  it('writes a Received field of printable ASCII only, whatever the client called itself', () => {
    const r = receivedHeader({ helo: 'bad\u00e9 name\r\n', clientIp: '127.0.0.1', serverName: 'relay', protocol: 'ESMTPSA', at: Date.UTC(2026, 5, 1, 12) });
    expect(r).toBe('from bad??name?? ([127.0.0.1]) by relay (Mailroom) with ESMTPSA; Mon, 01 Jun 2026 12:00:00 +0000');
  });
});

describe('credential rules', () => {
  it('derives a username from the name', () => {
    expect(usernameFromName('Billing App (prod)')).toBe('billing-app-prod');
    expect(usernameFromName('Ünïcödé Tool')).toBe('unicode-tool');
    expect(usernameFromName('X')).toBe('smtp-x');
  });

  it('never allows everyone: a sender list is required, a /0 is refused, client-ip needs addresses', () => {
    expect(() => normalizeCredential({ name: 'a', allowedFrom: [] })).toThrow(/allowedFrom: give at least one/);
    expect(() => normalizeCredential({ name: 'a', allowedFrom: ['@example.com'], allowedIps: ['::/0'] })).toThrow(/would allow every address/);
    expect(() => normalizeCredential({ name: 'a', authentication: 'client-ip', allowedFrom: ['@example.com'] })).toThrow(/needs the addresses/);
    expect(normalizeCredential({ name: 'A', allowedFrom: ['@B\u00fccher.example', 'X@Example.COM'] }).allowedFrom).toEqual(['@xn--bcher-kva.example', 'x@example.com']);
  });

  it('sees overlapping ranges', () => {
    const c = (s: string) => parseCidr(s)!;
    expect(rangesOverlap(c('10.0.0.0/8'), c('10.1.2.3'))).toBe(true);
    expect(rangesOverlap(c('10.1.2.3'), c('10.0.0.0/8'))).toBe(true);
    expect(rangesOverlap(c('10.0.0.0/16'), c('10.1.0.0/16'))).toBe(false);
    expect(rangesOverlap(c('10.0.0.0/8'), c('::ffff:10.0.0.1'))).toBe(false);
    expect(rangesOverlap(c('2001:db8::/32'), c('2001:db8:1::/48'))).toBe(true);
  });
});
