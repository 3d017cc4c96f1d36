import { describe, expect, it } from 'vitest';
import { destinationOf, groupByDomain } from '../../src/core/direct/destinations.js';
import { BACKOFF_AFTER, BACKOFF_FIRST_MS, DomainPacing } from '../../src/core/direct/domain-pacing.js';
import { mtaStsRecordId, mxAllowedByPolicy, parseMtaStsPolicy } from '../../src/core/direct/mta-sts.js';
import { checkExchanger, compileNetworkPolicy } from '../../src/core/probes/network-policy.js';
import { parseDeployVars } from '../../src/core/senders/deploy-vars.js';
import { normalizeServerConfig } from '../../src/core/senders/servers.js';
import { classifyAttempt } from '../../src/core/outbox/retry-policy.js';

describe('destinations (RFC 5321 §5.1, RFC 7505)', () => {
  it('orders exchangers by preference and removes duplicates', () => {
    const d = destinationOf('example.com', [
      { exchange: 'b.example.com', priority: 20 },
      { exchange: 'A.example.com.', priority: 10 },
      { exchange: 'b.example.com', priority: 30 },
    ]);
    expect(d).toEqual({ kind: 'exchangers', hosts: ['a.example.com', 'b.example.com'], implicit: false });
  });
  it('shuffles equal preferences (load spreading), deterministically with a given random source', () => {
    const recs = [{ exchange: 'x.test', priority: 5 }, { exchange: 'y.test', priority: 5 }];
    let n = 0;
    const desc = () => [0.9, 0.1][n++ % 2];
    expect(destinationOf('t', recs, desc)).toMatchObject({ hosts: ['y.test', 'x.test'] });
  });
  it('treats no MX as the implicit MX (the domain itself) and "." as a null MX', () => {
    expect(destinationOf('Example.COM', [])).toEqual({ kind: 'exchangers', hosts: ['example.com'], implicit: true });
    expect(destinationOf('example.com', [{ exchange: '', priority: 0 }])).toEqual({ kind: 'null-mx' });
    expect(destinationOf('example.com', [{ exchange: '.', priority: 0 }])).toEqual({ kind: 'null-mx' });
  });
  it('groups recipients by lower-case domain in first-seen order', () => {
    expect(groupByDomain(['a@X.test', 'b@y.test', 'c@x.test'])).toEqual([
      { domain: 'x.test', recipients: ['a@X.test', 'c@x.test'] },
      { domain: 'y.test', recipients: ['b@y.test'] },
    ]);
  });
});

describe('MTA-STS (RFC 8461)', () => {
  it('reads the id of exactly one STSv1 record', () => {
    expect(mtaStsRecordId(['v=STSv1; id=20260105T1'])).toBe('20260105T1');
    expect(mtaStsRecordId(['v=spf1 -all'])).toBeUndefined();
    expect(mtaStsRecordId(['v=STSv1; id=a', 'v=STSv1; id=b'])).toBeUndefined();
    expect(mtaStsRecordId(['v=STSv1; id=has-dash'])).toBeUndefined();
  });
  it('parses a policy and refuses a broken one with the reason', () => {
    const p = parseMtaStsPolicy('1', 'version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmx: *.example.net\r\nmax_age: 604800\r\n');
    expect(p).toEqual({ id: '1', mode: 'enforce', mx: ['mx1.example.com', '*.example.net'], maxAgeSec: 604800 });
    expect(() => parseMtaStsPolicy('1', 'mode: enforce\nmx: a\nmax_age: 1')).toThrow(/STSv1/);
    expect(() => parseMtaStsPolicy('1', 'version: STSv1\nmode: strict\nmx: a\nmax_age: 1')).toThrow(/mode/);
    expect(() => parseMtaStsPolicy('1', 'version: STSv1\nmode: enforce\nmax_age: 1')).toThrow(/mx/);
  });
  it('matches exact names and one wildcard label only', () => {
    const p = parseMtaStsPolicy('1', 'version: STSv1\nmode: enforce\nmx: mx.a.test\nmx: *.b.test\nmax_age: 60');
    expect(mxAllowedByPolicy(p, 'MX.a.test.')).toBe(true);
    expect(mxAllowedByPolicy(p, 'x.b.test')).toBe(true);
    expect(mxAllowedByPolicy(p, 'y.x.b.test')).toBe(false);
    expect(mxAllowedByPolicy(p, 'b.test')).toBe(false);
    expect(mxAllowedByPolicy(p, 'mx.evil.test')).toBe(false);
  });
});

describe('domain pacing', () => {
  it('holds a domain back after repeated deferrals, doubling, and releases it after a success', () => {
    let now = 0;
    const p = new DomainPacing(() => now);
    for (let i = 0; i < BACKOFF_AFTER; i++) p.record('d.test', true);
    const held = p.take('d.test', null);
    expect(held).toMatchObject({ allowed: false, retryAt: BACKOFF_FIRST_MS });
    now = BACKOFF_FIRST_MS;
    expect(p.take('d.test', null).allowed).toBe(true);
    p.record('d.test', true);
    expect(p.take('d.test', null).retryAt).toBe(now + 2 * BACKOFF_FIRST_MS);
    p.record('d.test', false);
    expect(p.take('d.test', null).allowed).toBe(true);
  });
  it('keeps a per-minute limit per domain', () => {
    let now = 1_000;
    const p = new DomainPacing(() => now);
    expect(p.take('a.test', 2).allowed).toBe(true);
    expect(p.take('a.test', 2).allowed).toBe(true);
    expect(p.take('a.test', 2)).toMatchObject({ allowed: false, retryAt: 61_000 });
    expect(p.take('b.test', 2).allowed).toBe(true);
    now = 61_001;
    expect(p.take('a.test', 2).allowed).toBe(true);
  });
});

describe('exchanger address policy', () => {
  const none = compileNetworkPolicy([]);
  it('allows public addresses only', () => {
    expect(checkExchanger(none, '93.184.216.34')).toEqual({ allowed: true, class: 'public' });
    for (const [a, cls] of [['127.0.0.1', 'loopback'], ['169.254.169.254', 'metadata'], ['10.1.2.3', 'private'], ['::1', 'loopback'], ['::ffff:127.0.0.1', 'loopback'], ['fe80::1', 'link-local']] as const) {
      expect(checkExchanger(none, a)).toEqual({ allowed: false, class: cls });
    }
  });
  it('allows an allow-listed address or range, never an allow-listed host name (the MX is the domain\'s choice)', () => {
    expect(checkExchanger(compileNetworkPolicy(['127.0.0.2']), '127.0.0.2').allowed).toBe(true);
    expect(checkExchanger(compileNetworkPolicy(['10.0.0.0/8']), '10.9.9.9').allowed).toBe(true);
    expect(checkExchanger(compileNetworkPolicy(['localhost']), '127.0.0.1').allowed).toBe(false);
  });
});

describe('direct server settings', () => {
  it('defaults port 25, opportunistic TLS and per-domain limits, with no host', () => {
    const s = normalizeServerConfig({ name: 'd', smtp: { mode: 'direct' } });
    expect(s.smtp).toMatchObject({ mode: 'direct', host: '', port: 25, security: 'starttls', requireTls: false, tlsTrust: { mode: 'system' }, direct: { requireTlsDomains: [], maxConnectionsPerDomain: 2, perDomainPerMinute: null, ehloName: null, publicAddresses: [] } });
  });
  it('takes a fully qualified EHLO name and public IPv4/IPv6 addresses, normalised', () => {
    const s = normalizeServerConfig({ name: 'd', smtp: { mode: 'direct', direct: { ehloName: ' Mail.Example.COM. ', publicAddresses: ['203.0.113.7', '2001:DB8::7', '203.0.113.7'] } } });
    expect(s.smtp.direct).toMatchObject({ ehloName: 'mail.example.com', publicAddresses: ['203.0.113.7', '2001:db8::7'] });
    expect(normalizeServerConfig({ name: 'd', smtp: { mode: 'direct', direct: { ehloName: '' } } }).smtp.direct?.ehloName).toBeNull();
  });
  it('refuses an EHLO name that is not a qualified host name, and anything but an address among the public ones', () => {
    for (const bad of ['localhost', '203.0.113.7', '[203.0.113.7]', 'a..example.com', '-a.example.com', 'mail.example.com\r\nX', 'x'.repeat(64) + '.example.com']) {
      expect(() => normalizeServerConfig({ name: 'd', smtp: { mode: 'direct', direct: { ehloName: bad } } }), bad).toThrow(/smtp\.direct\.ehloName/);
    }
    for (const bad of ['mail.example.com', '203.0.113.0/24', '[2001:db8::7]', 'fe80::1%eth0', '0177.0.0.1']) {
      expect(() => normalizeServerConfig({ name: 'd', smtp: { mode: 'direct', direct: { publicAddresses: [bad] } } }), bad).toThrow(/smtp\.direct\.publicAddresses\[0\]/);
    }
  });
  it('refuses what a direct server cannot use, naming the field', () => {
    expect(() => normalizeServerConfig({ name: 'd', smtp: { mode: 'direct', host: 'smtp.example.com' } })).toThrow(/smtp.host.*no host/);
    expect(() => normalizeServerConfig({ name: 'd', smtp: { mode: 'direct', security: 'tls' } })).toThrow(/smtp.security/);
    expect(() => normalizeServerConfig({ name: 'd', smtp: { mode: 'direct', tlsTrust: { mode: 'any' } } })).toThrow(/smtp.tlsTrust/);
    expect(() => normalizeServerConfig({ name: 'r', smtp: { host: 'x.test', direct: {} } })).toThrow(/smtp.direct.*direct/);
    expect(() => normalizeServerConfig({ name: 'd', smtp: { mode: 'direct', direct: { requireTlsDomains: ['bad domain'] } } })).toThrow(/requireTlsDomains\[0\]/);
  });
  it('keeps requireTlsDomains as recipients\' domains are kept: Unicode in punycode, and no address literals', () => {
    const s = normalizeServerConfig({ name: 'd', smtp: { mode: 'direct', direct: { requireTlsDomains: ['Bücher.Test.', 'partner.test', 'xn--bcher-kva.test'] } } });
    expect(s.smtp.direct?.requireTlsDomains).toEqual(['xn--bcher-kva.test', 'partner.test']);
    for (const literal of ['2001:db8::1', '[2001:db8::1]', '192.0.2.1']) {
      expect(() => normalizeServerConfig({ name: 'd', smtp: { mode: 'direct', direct: { requireTlsDomains: [literal] } } }), literal).toThrow(/requireTlsDomains\[0\].*not a domain/);
    }
  });
  it('starts from the given fields when a patch changes the mode', () => {
    const relay = normalizeServerConfig({ name: 'r', smtp: { host: 'relay.test', port: 587 } });
    const direct = normalizeServerConfig({ smtp: { mode: 'direct' } }, relay);
    expect(direct.smtp).toMatchObject({ mode: 'direct', host: '', port: 25 });
    const back = normalizeServerConfig({ smtp: { mode: 'relay', host: 'relay.test' } }, direct);
    expect(back.smtp).toMatchObject({ mode: 'relay', host: 'relay.test', port: 587 });
    expect(back.smtp.direct).toBeUndefined();
  });
});

describe('deploy variables for direct delivery', () => {
  it('needs only the sender with MAILROOM_SMTP_MODE=direct, and refuses a host or login', () => {
    const v = parseDeployVars('smtp', { MAILROOM_SMTP_MODE: 'direct', MAILROOM_MAIL_FROM_ADDRESS: 'a@b.test', MAILROOM_MAIL_FROM_NAME: 'A' });
    expect(v).toMatchObject({ mode: 'direct', port: 25 });
    expect(() => parseDeployVars('smtp', { MAILROOM_SMTP_MODE: 'direct', MAILROOM_SMTP_HOST: 'x.test', MAILROOM_SMTP_PASSWORD: 'p', MAILROOM_MAIL_FROM_ADDRESS: 'a@b.test', MAILROOM_MAIL_FROM_NAME: 'A' })).toThrow(/unset MAILROOM_SMTP_HOST, MAILROOM_SMTP_PASSWORD/);
    expect(() => parseDeployVars('smtp', { MAILROOM_SMTP_MODE: 'postal' })).toThrow(/MAILROOM_SMTP_MODE must be/);
  });
  it('takes the EHLO name and the public addresses for a direct server, checked as the API checks them', () => {
    const base = { MAILROOM_SMTP_MODE: 'direct', MAILROOM_MAIL_FROM_ADDRESS: 'a@b.test', MAILROOM_MAIL_FROM_NAME: 'A' };
    expect(parseDeployVars('smtp', { ...base, MAILROOM_SMTP_EHLO_NAME: ' Mail.B.test. ', MAILROOM_SMTP_PUBLIC_ADDRESSES: '203.0.113.7, 2001:DB8::7,203.0.113.7' })).toMatchObject({
      mode: 'direct',
      ehloName: 'mail.b.test',
      publicAddresses: ['203.0.113.7', '2001:db8::7'],
    });
    expect(parseDeployVars('smtp', base)).not.toHaveProperty('ehloName');
    expect(() => parseDeployVars('smtp', { ...base, MAILROOM_SMTP_EHLO_NAME: 'localhost', MAILROOM_SMTP_PUBLIC_ADDRESSES: '203.0.113.7,mail.b.test' })).toThrow(
      /MAILROOM_SMTP_EHLO_NAME: "localhost" is not a fully qualified host name[\s\S]*MAILROOM_SMTP_PUBLIC_ADDRESSES\[1\]: "mail.b.test" is not an IPv4 or IPv6 address/,
    );
  });
  it('refuses the direct-only variables on a relay', () => {
    const relay = { MAILROOM_SMTP_HOST: 'smtp.b.test', MAILROOM_SMTP_PORT: '587', MAILROOM_MAIL_FROM_ADDRESS: 'a@b.test', MAILROOM_MAIL_FROM_NAME: 'A' };
    expect(() => parseDeployVars('smtp', { ...relay, MAILROOM_SMTP_EHLO_NAME: 'mail.b.test', MAILROOM_SMTP_PUBLIC_ADDRESSES: '203.0.113.7' })).toThrow(
      /MAILROOM_SMTP_EHLO_NAME, MAILROOM_SMTP_PUBLIC_ADDRESSES apply only with MAILROOM_SMTP_MODE=direct/,
    );
    // One variable is spoken of in the singular ("… apply only", "unset them" read wrong).
    expect(() => parseDeployVars('smtp', { ...relay, MAILROOM_SMTP_EHLO_NAME: 'mail.b.test' })).toThrow(
      /MAILROOM_SMTP_EHLO_NAME applies only with MAILROOM_SMTP_MODE=direct \(a relay is greeted and seen from its own host\): unset it or set MAILROOM_SMTP_MODE=direct/,
    );
  });
});

describe('recipients Mailroom decides itself', () => {
  it('follow the permanent flag, not a reply code', () => {
    const { recipients } = classifyAttempt(['a@x.test', 'b@y.test'], {
      accepted: [],
      rejected: [
        { address: 'a@x.test', code: null, enhancedCode: null, response: 'x.test does not exist (NXDOMAIN)', permanent: true },
        { address: 'b@y.test', code: null, enhancedCode: null, response: 'SERVFAIL', permanent: false },
      ],
    });
    expect(recipients.map((r) => r.status)).toEqual(['rejected', 'deferred']);
    expect(recipients[0]).not.toHaveProperty('permanent');
  });
});
