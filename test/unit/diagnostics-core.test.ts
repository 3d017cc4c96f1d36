import { describe, expect, it } from 'vitest';
import { formatDiagnostic, useColor } from '../../src/cli/format-diagnostic.js';
import { targetRefused } from '../../src/core/probes/diagnostics.js';
import { checkTarget, classifyIp, compileNetworkPolicy, parseCidr, parseIp, type DiagnosticTarget } from '../../src/core/probes/network-policy.js';
import { hintForCertificate, hintForConnectError, hintForReply, hintForWrongTlsMode, parseReply, type HintContext } from '../../src/core/probes/smtp-hints.js';
import { evaluateSpf, spfAll, type DnsLookup } from '../../src/core/probes/spf.js';
import { dkimDnsRecord, normalizeDkimInput } from '../../src/core/senders/dkim.js';
import { dotStuff, parseCapabilities } from '../../src/probes/smtp-session.js';
import { RateWindow } from '../../src/core/kernel/rate-window.js';

/** A diagnostic of `host` on a port that is no mail port unless given. */
const at = (host: string, port = 9999, protocol: DiagnosticTarget['protocol'] = 'smtp', saved = false): DiagnosticTarget => ({ host, port, protocol, saved });

describe('network policy (SSRF guard)', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.0.1', 'private'],
    ['100.100.100.200', 'private'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fc00::1', 'private'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['255.255.255.255', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    // SIIT's IPv4-translated form, a local-use NAT64 prefix (RFC 8215), Teredo, documentation.
    ['::ffff:0:127.0.0.1', 'loopback'],
    ['::ffff:0:a9fe:a9fe', 'metadata'],
    ['::ffff:0:10.0.0.1', 'private'],
    ['64:ff9b:1::7f00:1', 'private'],
    ['64:ff9b:1::a00:1', 'private'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'reserved'],
    ['3fff::1', 'reserved'],
    ['2002:7f00:1::', 'loopback'],
    ['8.8.8.8', 'public'],
    ['2a00:1450:4001:80b::200e', 'public'],
  ])('%s is %s', (ip, cls) => {
    expect(classifyIp(parseIp(ip)!)).toBe(cls);
  });

  it('rejects address tricks rather than guessing', () => {
    for (const s of ['0177.0.0.1', '0x7f.0.0.1', '127.1', '2130706433', '1.2.3.4.5', '1::2::3', '12345::', '256.0.0.1']) expect(parseIp(s)).toBeUndefined();
    expect(checkTarget(compileNetworkPolicy([]), at('x'), 'not-an-ip')).toEqual({ allowed: false, class: 'reserved' });
  });

  it('allows other non-public targets only when allow-listed by address, CIDR or host name', () => {
    const none = compileNetworkPolicy([]);
    expect(checkTarget(none, at('relay'), '10.0.0.5').allowed).toBe(false);
    expect(checkTarget(none, at('smtp.example.com'), '93.184.216.34').allowed).toBe(true);
    const p = compileNetworkPolicy(['10.0.0.0/24', '127.0.0.1', 'relay.internal.', 'fd12::/16']);
    expect(checkTarget(p, at('x'), '10.0.0.200').allowed).toBe(true);
    expect(checkTarget(p, at('x'), '10.0.1.1').allowed).toBe(false);
    expect(checkTarget(p, at('x'), '127.0.0.1').allowed).toBe(true);
    expect(checkTarget(p, at('x'), '::ffff:127.0.0.1').allowed).toBe(true);
    expect(checkTarget(p, at('x'), '127.0.0.2').allowed).toBe(false);
    expect(checkTarget(p, at('Relay.Internal'), '192.168.9.9').allowed).toBe(true);
    expect(checkTarget(p, at('x'), 'fd12:1::1').allowed).toBe(true);
    expect(checkTarget(p, at('x'), '169.254.169.254')).toEqual({ allowed: false, class: 'metadata' });
    expect(() => compileNetworkPolicy(['10.0.0.0/33'])).toThrow(/MAILROOM_ALLOW_PRIVATE_HOSTS/);
    expect(parseCidr('fd00::/8')?.prefix).toBe(8);
  });

  it('lets a relay on this machine or the local network be tested on a mail port, or as a saved server, without configuration', () => {
    const none = compileNetworkPolicy([]);
    for (const port of [25, 465, 587, 2525]) {
      expect(checkTarget(none, at('localhost', port), '127.0.0.1').allowed, `smtp ${port}`).toBe(true);
      expect(checkTarget(none, at('relay.lan', port), '192.168.1.10').allowed).toBe(true);
      expect(checkTarget(none, at('relay.lan', port), 'fd00::25').allowed).toBe(true);
    }
    for (const port of [143, 993]) {
      expect(checkTarget(none, at('mail.lan', port, 'imap'), '10.1.2.3').allowed).toBe(true);
      // IMAP ports are not SMTP ports and the other way round.
      expect(checkTarget(none, at('mail.lan', port, 'smtp'), '10.1.2.3').allowed).toBe(false);
    }
    expect(checkTarget(none, at('mail.lan', 587, 'imap'), '10.1.2.3').allowed).toBe(false);
    // Anything else stays out: a database, an admin console, a metadata service even on port 25.
    expect(checkTarget(none, at('localhost', 6379), '127.0.0.1')).toEqual({ allowed: false, class: 'loopback' });
    expect(checkTarget(none, at('metadata', 25), '169.254.169.254')).toEqual({ allowed: false, class: 'metadata' });
    expect(checkTarget(none, at('link', 25), '169.254.10.1').allowed).toBe(false);
    expect(checkTarget(none, at('multicast', 25), '224.0.0.1').allowed).toBe(false);
    // A saved server's own host and port, whatever the port; never a metadata address.
    expect(checkTarget(none, at('localhost', 10025, 'smtp', true), '127.0.0.1').allowed).toBe(true);
    expect(checkTarget(none, at('metadata', 80, 'smtp', true), '169.254.169.254').allowed).toBe(false);
  });

  it('says exactly what to do when it refuses', () => {
    const err = targetRefused(at('localhost', 6379), '127.0.0.1', 'loopback');
    expect(err.message).toContain('localhost (127.0.0.1) is a loopback address and 6379 is not a mail port');
    expect(err.message).toContain('mail ports (25, 465, 587, 2525)');
    expect(err.message).toContain('set the environment variable MAILROOM_ALLOW_PRIVATE_HOSTS=127.0.0.1');
    expect(err.message).toContain('restart it');
    expect(targetRefused(at('169.254.169.254', 25), '169.254.169.254', 'metadata').message).toMatch(/^169\.254\.169\.254 is a metadata address/);
  });
});

describe('SMTP hints', () => {
  const c = (host: string, user = 'me@example.com'): HintContext => ({ host, port: 587, security: 'starttls', user });
  it('recognises provider-specific 535s', () => {
    const r = parseReply('535-5.7.8 Username and Password not accepted. For more information, go to\n535 5.7.8  https://support.google.com/mail/?p=BadCredentials');
    expect(r).toMatchObject({ code: 535, enhanced: '5.7.8' });
    expect(hintForReply('auth', r, c('smtp.gmail.com'))).toContain('app password');
    const ms = parseReply('535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.');
    expect(hintForReply('auth', ms, c('smtp.office365.com'))).toContain('5.7.139');
    const sg = parseReply('535 Authentication failed: Bad username / password');
    expect(hintForReply('auth', sg, c('smtp.sendgrid.net', 'me'))).toContain('"apikey"');
    expect(hintForReply('auth', sg, c('smtp.sendgrid.net', 'apikey'))).toContain('Mail Send');
    expect(hintForReply('auth', sg, c('mail.example.org'))).toContain('user name or password is wrong');
  });

  it('recognises auth-required, sender-refused, relay and size replies', () => {
    expect(hintForReply('send', parseReply('530 5.7.0 Must issue a STARTTLS command first'), c('x.example'))).toContain('STARTTLS');
    expect(hintForReply('send', parseReply('530 5.7.0 Authentication required'), c('x.example'))).toContain('requires authentication');
    expect(hintForReply('send', parseReply('550 5.7.1 Sender address rejected: not owned by user'), c('x.example'))).toContain('sender address');
    expect(hintForReply('send', parseReply('554 5.7.1 <a@b.example>: Relay access denied'), c('x.example'))).toContain('relay');
    expect(hintForReply('send', parseReply('552 5.3.4 Message size exceeds fixed limit'), c('x.example'))).toContain('size limit');
    expect(hintForReply('send', parseReply('421 4.7.0 Try again later'), c('x.example'))).toContain('temporarily');
    expect(hintForReply('send', parseReply('250 OK'), c('x.example'))).toBeUndefined();
  });

  it('explains connection, certificate and TLS-mode failures', () => {
    expect(hintForConnectError('ECONNREFUSED', c('x.example'))).toContain('Nothing accepts connections');
    expect(hintForConnectError('ETIMEDOUT', { ...c('x.example'), port: 25 })).toContain('block outgoing port 25');
    expect(hintForConnectError('ENOTFOUND', c('x.example'))).toContain('does not resolve');
    // An IMAP test gets IMAP's ports and host names, not SMTP's.
    expect(hintForConnectError('ECONNREFUSED', { ...c('x.example'), protocol: 'imap' })).toContain('993 (implicit TLS) and 143 (STARTTLS) are the IMAP ports');
    expect(hintForConnectError('ECONNREFUSED', { ...c('x.example'), port: 993, protocol: 'imap' })).not.toContain('587');
    expect(hintForConnectError('ENOTFOUND', { ...c('x.example'), protocol: 'imap' })).toContain('imap.gmail.com');
    expect(hintForCertificate('CERT_HAS_EXPIRED', c('x.example'), 'AA:BB')).toContain('expired');
    expect(hintForCertificate('ERR_TLS_CERT_ALTNAME_INVALID', c('x.example'))).toContain('not issued for x.example');
    // Delivery and the IMAP reader check the chain even under a pinned fingerprint: for a
    // self-signed certificate only a pinned certificate (PEM) works, so that is the advice.
    expect(hintForCertificate('DEPTH_ZERO_SELF_SIGNED_CERT', c('x.example'), 'AA:BB')).toContain('"certificate"');
    expect(hintForCertificate('DEPTH_ZERO_SELF_SIGNED_CERT', c('x.example'), 'AA:BB')).not.toContain('"fingerprint": "AA:BB"');
    // Pinning does not make an expired certificate valid.
    expect(hintForCertificate('CERT_HAS_EXPIRED', c('x.example'), 'AA:BB')).not.toContain('"mode": "pinned"');
    // A certificate from a public CA for another name: its fingerprint pinned is enough.
    expect(hintForCertificate('ERR_TLS_CERT_ALTNAME_INVALID', c('x.example'), 'AA:BB')).toContain('"fingerprint": "AA:BB"');
    // Under a pinned fingerprint that matches, the chain is what failed: say so.
    expect(hintForCertificate('DEPTH_ZERO_SELF_SIGNED_CERT', c('x.example'), 'AA:BB', 'pinned')).toContain('fingerprint alone');
    expect(hintForWrongTlsMode({ ...c('x.example'), port: 465 }, 'tls-works')).toContain('Set security to "tls"');
    expect(hintForWrongTlsMode({ ...c('x.example'), security: 'tls' }, 'plain-works')).toContain('Set security to "starttls"');
  });
});

describe('SPF evaluation', () => {
  const zone: Record<string, { txt?: string[]; mx?: { exchange: string; priority: number }[]; a?: string[] }> = {
    'example.com': { txt: ['v=spf1 mx a:out.example.com/28 include:_spf.example.net ~all'], mx: [{ exchange: 'mx.example.com', priority: 10 }] },
    'mx.example.com': { a: ['198.51.100.7'] },
    'out.example.com': { a: ['203.0.113.16'] },
    '_spf.example.net': { txt: ['v=spf1 ip4:192.0.2.0/25 ip6:2001:db8::/32 -all'] },
    'redir.example': { txt: ['v=spf1 redirect=example.com'] },
    'macro.example': { txt: ['v=spf1 exists:%{i}._spf.example -all'] },
    'loop.example': { txt: ['v=spf1 include:loop.example -all'] },
  };
  const dns: DnsLookup = {
    txt: async (n) => zone[n]?.txt ?? [],
    mx: async (n) => zone[n]?.mx ?? [],
    addresses: async (n) => zone[n]?.a ?? [],
  };
  it.each([
    ['198.51.100.7', 'pass'],
    ['203.0.113.30', 'pass'],
    ['203.0.113.40', 'softfail'],
    ['192.0.2.100', 'pass'],
    ['192.0.2.200', 'softfail'],
    ['2001:db8::5', 'pass'],
  ])('example.com for %s is %s', async (ip, result) => {
    expect(await evaluateSpf(dns, 'example.com', ip)).toBe(result);
  });
  it('follows redirect, gives unknown for macros, stops include loops, and reads the all qualifier', async () => {
    expect(await evaluateSpf(dns, 'redir.example', '198.51.100.7')).toBe('pass');
    expect(await evaluateSpf(dns, 'macro.example', '198.51.100.7')).toBe('unknown');
    expect(await evaluateSpf(dns, 'loop.example', '198.51.100.7')).toBe('permerror');
    expect(await evaluateSpf(dns, 'nothing.example', '198.51.100.7')).toBe('none');
    expect(spfAll('v=spf1 ip4:1.2.3.4 -all')).toBe('-all');
    expect(spfAll('v=spf1 all')).toBe('+all');
  });
});

describe('SMTP framing and DKIM helpers', () => {
  it('reads EHLO capabilities, including the old AUTH= form', () => {
    const caps = parseCapabilities('250-mx.example Hello\n250-SIZE 35882577\n250-AUTH LOGIN PLAIN XOAUTH2\n250-AUTH=LOGIN\n250-8BITMIME\n250-STARTTLS\n250-PIPELINING\n250 SMTPUTF8');
    expect(caps).toMatchObject({ size: 35882577, auth: ['LOGIN', 'PLAIN', 'XOAUTH2'], starttls: true, pipelining: true, eightBitMime: true, smtpUtf8: true });
  });
  it('dot-stuffs and terminates DATA with CRLF.CRLF only', () => {
    expect(dotStuff(Buffer.from('a\n.b\n..c\nd'))).toBe('a\r\n..b\r\n...c\r\nd\r\n.\r\n');
  });
  it('builds the DKIM record and validates the input', () => {
    const r = dkimDnsRecord({ domain: 'example.com', selector: 's1', publicKey: 'A'.repeat(400) });
    expect(r.name).toBe('s1._domainkey.example.com');
    expect(r.chunks.every((x) => x.length <= 255)).toBe(true);
    expect(r.chunks.join('')).toBe(r.value);
    expect(normalizeDkimInput({})).toEqual({ selector: 'mailroom', keyBits: 2048 });
    expect(() => normalizeDkimInput({ keyBits: 512 })).toThrow(/keyBits/);
    expect(() => normalizeDkimInput({ privateKey: 'x', keyBits: 2048 })).toThrow(/imported key/);
    expect(() => normalizeDkimInput({ selector: 'a_b' })).toThrow(/selector/);
  });
  it('limits per key in a sliding window', () => {
    let now = 0;
    const w = new RateWindow(2, 1000, () => now);
    w.take('a');
    w.take('a');
    expect(() => w.take('a')).toThrow(/try again in 1 s/);
    w.take('b');
    now = 1001;
    w.take('a');
  });
});

describe('terminal output', () => {
  const result = {
    ok: false,
    steps: [
      { name: 'dns', status: 'pass' as const, durationMs: 1, detail: 'resolved' },
      { name: 'auth', status: 'fail' as const, durationMs: 20, detail: 'refused with 535', hint: 'check the password', reply: 'C: AUTH PLAIN [credentials redacted]\nS: 535 no' },
      { name: 'send', status: 'skip' as const, durationMs: 0, detail: 'not run' },
    ],
  };
  it('colours only when asked, and shows hint and reply of a failure', () => {
    const plain = formatDiagnostic(result, { color: false });
    expect(plain).not.toContain('\x1b[');
    expect(plain).toContain('FAIL  auth  refused with 535 (20 ms)');
    expect(plain).toContain('hint: check the password');
    expect(plain).toContain('S: 535 no');
    expect(formatDiagnostic(result, { color: true })).toContain('\x1b[31mFAIL\x1b[0m');
    expect(useColor({ isTTY: true }, {})).toBe(true);
    expect(useColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(useColor({ isTTY: false }, {})).toBe(false);
  });
});
