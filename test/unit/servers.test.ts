import { describe, expect, it } from 'vitest';
import { normalizeServerConfig, serverChangeClearsPasswords } from '../../src/core/senders/servers.js';
import { redact } from '../../src/core/kernel/audit.js';
import { decrypt, encrypt, generateMasterKey } from '../../src/secrets/cipher.js';
import { loginClientKey } from '../../src/core/access/login-throttle.js';

describe('server validation', () => {
  it('derives port from security and security from port', () => {
    expect(normalizeServerConfig({ name: 'a', smtp: { host: 'h.example.com', security: 'tls' } }).smtp.port).toBe(465);
    expect(normalizeServerConfig({ name: 'a', smtp: { host: 'h.example.com', security: 'none' } }).smtp).toMatchObject({ port: 25, requireTls: false });
    expect(normalizeServerConfig({ name: 'a', smtp: { host: 'h.example.com', port: 465 } }).smtp.security).toBe('tls');
    expect(normalizeServerConfig({ name: 'a', smtp: { host: 'h.example.com' } }).smtp).toMatchObject({ port: 587, security: 'starttls', requireTls: true });
  });

  it('normalises pinned fingerprints and keeps IMAP defaults', () => {
    const fp = 'ab'.repeat(32);
    const s = normalizeServerConfig({ name: 'a', smtp: { host: 'h.example.com', tlsTrust: { mode: 'pinned', fingerprint: fp } }, imap: { host: 'imap.example.com' } });
    expect(s.smtp.tlsTrust.fingerprint).toBe(Array(32).fill('AB').join(':'));
    expect(s.imap).toEqual({ host: 'imap.example.com', port: 993, security: 'tls' });
  });

  it('merges a patch field by field and says when passwords must go', () => {
    const before = normalizeServerConfig({ name: 'a', smtp: { host: 'h.example.com', connectTimeoutSec: 10 } });
    const after = normalizeServerConfig({ smtp: { sendTimeoutSec: 60 } }, before);
    expect(after.smtp).toMatchObject({ host: 'h.example.com', connectTimeoutSec: 10, sendTimeoutSec: 60 });
    expect(serverChangeClearsPasswords(before, after)).toBe(false);
    const moved = normalizeServerConfig({ smtp: { port: 2525 } }, before);
    expect(serverChangeClearsPasswords(before, moved)).toBe(true);
  });

  it("clears the passwords when the IMAP endpoint they would go to moves, or is added on another host", () => {
    const before = normalizeServerConfig({ name: 'a', smtp: { host: 'mail.example.com' } });
    const sameHost = normalizeServerConfig({ imap: { host: 'MAIL.example.com' } }, before);
    expect(serverChangeClearsPasswords(before, sameHost)).toBe(false);
    expect(serverChangeClearsPasswords(before, normalizeServerConfig({ imap: { host: 'imap.other.example' } }, before))).toBe(true);
    expect(serverChangeClearsPasswords(sameHost, normalizeServerConfig({ imap: { host: 'imap.other.example' } }, sameHost))).toBe(true);
    expect(serverChangeClearsPasswords(sameHost, normalizeServerConfig({ imap: { host: 'mail.example.com', security: 'none' } }, sameHost))).toBe(true);
    expect(serverChangeClearsPasswords(sameHost, normalizeServerConfig({ imap: { host: 'mail.example.com', port: 9993 } }, sameHost))).toBe(true);
    expect(serverChangeClearsPasswords(sameHost, normalizeServerConfig({ imap: null }, sameHost))).toBe(false);
  });
});

describe('audit redaction', () => {
  it('hides every secret-looking field at any depth but keeps passwordSet', () => {
    expect(redact({ password: 'x', passwordSet: true, auth: { pass: 'y', user: 'u' }, list: [{ apiKey: 'k' }], dkim: { privateKey: 'pem' } })).toEqual({
      password: '[redacted]',
      passwordSet: true,
      auth: { pass: '[redacted]', user: 'u' },
      list: [{ apiKey: '[redacted]' }],
      dkim: { privateKey: '[redacted]' },
    });
  });

  it('keeps a yes/no readable whatever its name: a user\'s passwordChangeRequired is no secret', () => {
    expect(redact({ email: 'a@example.com', passwordChangeRequired: true, tokenExpired: false, token: 'abc' })).toEqual({ email: 'a@example.com', passwordChangeRequired: true, tokenExpired: false, token: '[redacted]' });
  });
});

describe('cipher', () => {
  it('round-trips and refuses another key', () => {
    const k1 = generateMasterKey();
    const k2 = generateMasterKey();
    const ct = encrypt(k1, 'hunter2');
    expect(ct).not.toContain('hunter2');
    expect(decrypt(k1, ct)).toBe('hunter2');
    expect(() => decrypt(k2, ct)).toThrowError(expect.objectContaining({ code: 'MAILROOM_E_SECRET_KEY_MISMATCH' }));
    expect(encrypt(k1, 'hunter2')).not.toBe(ct); // fresh IV every time
  });
});

describe('login throttle clients', () => {
  // The counting itself runs against the store: test/integration/login-throttle.test.ts.
  it('counts IPv4 by address, IPv6 by its /64, and an IPv4-mapped address as IPv4', () => {
    expect(loginClientKey('192.0.2.7')).toBe('ip:192.0.2.7');
    expect(loginClientKey('2001:db8:0:1::1')).toBe('ip:2001:db8:0:1::/64');
    expect(loginClientKey('2001:0db8:0000:0001:ffff:ffff:ffff:ffff')).toBe('ip:2001:db8:0:1::/64');
    expect(loginClientKey('::ffff:192.0.2.7')).toBe('ip:192.0.2.7');
    expect(loginClientKey('not an address')).toBe('ip:not an address');
  });
});
