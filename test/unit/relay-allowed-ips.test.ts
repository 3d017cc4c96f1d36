import { describe, expect, it } from 'vitest';
import { clientAllowed } from '../../src/core/relay/authentication.js';
import { allowedIpEntry, assertNoOverlap, normalizeCredential, type SmtpCredential } from '../../src/core/relay/credentials.js';
import { isMailroomError } from '../../src/core/kernel/errors.js';

/**
 * A relay credential's allowedIps and the client address it is matched against. The relay sees
 * IPv4 clients as IPv4 (smtp-server drops the "::ffff:" of a dual-stack socket), so an
 * IPv4-mapped IPv6 entry ("::ffff:10.0.0.0/104") means the IPv4 network inside it: it is stored
 * as that network, and one stored before is matched as it; a mapped entry holding every IPv4
 * address is refused like 0.0.0.0/0.
 */
const refusal = (entry: string) => {
  try {
    allowedIpEntry('allowedIps[0]', entry);
  } catch (err) {
    if (isMailroomError(err)) return { code: err.code, message: err.message, details: err.details };
    throw err;
  }
  return undefined;
};

describe('allowedIps entries', () => {
  it('stores an IPv4-mapped address or range as the IPv4 one it means', () => {
    expect(allowedIpEntry('f', '::ffff:10.1.2.3').text).toBe('10.1.2.3');
    expect(allowedIpEntry('f', '::FFFF:10.0.0.0/104').text).toBe('10.0.0.0/8');
    expect(allowedIpEntry('f', '::ffff:a01:200/120').text).toBe('10.1.2.0/24');
    expect(allowedIpEntry('f', '0:0:0:0:0:ffff:c0a8:0/112').text).toBe('192.168.0.0/16');
    // Not mapped: as typed.
    expect(allowedIpEntry('f', '2001:db8::/64').text).toBe('2001:db8::/64');
    expect(allowedIpEntry('f', '10.0.0.0/8').text).toBe('10.0.0.0/8');
    expect(normalizeCredential({ name: 'n', allowedFrom: ['@example.com'], allowedIps: ['::ffff:10.0.0.0/104', '10.0.0.0/8'] }).allowedIps).toEqual(['10.0.0.0/8']);
  });

  it('refuses a mapped range that holds every IPv4 address, as 0.0.0.0/0 is', () => {
    for (const entry of ['::ffff:0.0.0.0/96', '::ffff:0:0/96', '::ffff:1.2.3.4/96']) {
      expect(refusal(entry), entry).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'allowedIps[0]' } });
      expect(refusal(entry)?.message, entry).toMatch(/every IPv4 address/);
    }
    expect(refusal('0.0.0.0/0')?.message).toMatch(/would allow every address/);
  });
});

describe('clientAllowed', () => {
  const allowed = (entries: string[], ip: string) => clientAllowed({ allowedIps: entries }, ip);

  it('matches IPv4 clients against mapped entries stored before they were rewritten', () => {
    expect(allowed(['::ffff:10.0.0.0/104'], '10.1.2.3')).toBe(true);
    expect(allowed(['::ffff:10.1.2.3'], '10.1.2.3')).toBe(true);
    expect(allowed(['::ffff:10.0.0.0/104'], '11.1.2.3')).toBe(false);
  });

  it('matches an IPv4-mapped client address against IPv4 entries', () => {
    expect(allowed(['10.0.0.0/8'], '::ffff:10.1.2.3')).toBe(true);
    expect(allowed(['10.0.0.0/8'], '::ffff:a01:203')).toBe(true);
    expect(allowed(['10.0.0.0/8'], '::ffff:11.1.2.3')).toBe(false);
  });

  it('keeps IPv6 and IPv4 apart otherwise', () => {
    expect(allowed(['2001:db8::/64'], '2001:db8::5')).toBe(true);
    expect(allowed(['2001:db8::/64'], '10.1.2.3')).toBe(false);
    expect(allowed(['10.0.0.0/8'], '2001:db8::5')).toBe(false);
    expect(allowed(['10.0.0.0/8'], 'not an address')).toBe(false);
    expect(allowed([], 'anything')).toBe(true);
  });
});

describe('client-ip overlaps', () => {
  it('sees an IPv4 range and a mapped one stored before as the same addresses', () => {
    const other = { id: 'smc_1', name: 'Printer', authentication: 'client-ip', enabled: true, allowedIps: ['::ffff:10.1.0.0/112'] } as SmtpCredential;
    const mine = normalizeCredential({ name: 'Scanner', authentication: 'client-ip', allowedFrom: ['@example.com'], allowedIps: ['10.1.2.3'] });
    expect(() => assertNoOverlap(mine, [other])).toThrow(/10\.1\.2\.3 overlaps ::ffff:10\.1\.0\.0\/112 of client-ip credential "Printer"/);
  });
});
