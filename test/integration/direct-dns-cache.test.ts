import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExchangerLookup, type ExchangerLookup } from '../../src/delivery/direct/exchanger-lookup.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';

/**
 * Direct delivery's DNS answers against a real DNS server on loopback (dns2), with a clock the
 * test moves: MX and address answers are kept for their own TTL and asked again after it,
 * NXDOMAIN for 60 s, and a SERVFAIL is never kept (the next attempt asks again).
 */
describe('direct delivery\'s MX and address cache', () => {
  let dns: DnsServer;
  let lookup: ExchangerLookup;
  let now = Date.UTC(2026, 0, 5, 9, 0, 0);
  const asked = (q: string) => dns.asked.filter((a) => a === q).length;
  const hosts = async (domain: string) => {
    const d = await lookup.destination(domain);
    if (!d.ok) return d.reason;
    return d.value.kind === 'exchangers' ? d.value.hosts : d.value.kind;
  };

  beforeAll(async () => {
    dns = await startDnsServer();
    lookup = createExchangerLookup([`127.0.0.1:${dns.port}`], { now: () => now, timeoutMs: 2000 });
  });
  afterAll(async () => dns?.stop());

  it('keeps an MX answer for the MX records\' TTL and the exchangers\' addresses for theirs, then asks again', async () => {
    dns.zone.set('ttl.test', [{ type: 'MX', exchange: 'mx1.ttl.test', priority: 10, ttl: 300 }]);
    dns.zone.set('mx1.ttl.test', [{ type: 'A', address: '192.0.2.1', ttl: 30 }]);
    dns.zone.set('mx2.ttl.test', [{ type: 'A', address: '192.0.2.2', ttl: 30 }]);
    expect(await hosts('ttl.test')).toEqual(['mx1.ttl.test']);
    expect(await lookup.addresses('mx1.ttl.test')).toEqual({ ok: true, value: ['192.0.2.1'] });
    // The domain moves its mail to mx2 and mx1 to another address: within both TTLs nothing is asked.
    dns.zone.set('ttl.test', [{ type: 'MX', exchange: 'mx2.ttl.test', priority: 10, ttl: 300 }]);
    dns.zone.set('mx1.ttl.test', [{ type: 'A', address: '192.0.2.9', ttl: 30 }]);
    now += 29_000;
    expect(await hosts('ttl.test')).toEqual(['mx1.ttl.test']);
    expect(await lookup.addresses('mx1.ttl.test')).toEqual({ ok: true, value: ['192.0.2.1'] });
    expect(asked('ttl.test MX')).toBe(1);
    expect(asked('mx1.ttl.test A')).toBe(1);
    // After the address TTL (30 s) the address is asked again; the MX answer (300 s) still holds.
    now += 2_000;
    expect(await lookup.addresses('mx1.ttl.test')).toEqual({ ok: true, value: ['192.0.2.9'] });
    expect(await hosts('ttl.test')).toEqual(['mx1.ttl.test']);
    expect(asked('ttl.test MX')).toBe(1);
    // After the MX TTL: asked again, the new exchanger is used.
    now += 270_000;
    expect(await hosts('ttl.test')).toEqual(['mx2.ttl.test']);
    expect(asked('ttl.test MX')).toBe(2);
  });

  it('asks again after a short MX TTL even when the exchanger\'s address lives longer', async () => {
    dns.zone.set('short.test', [{ type: 'MX', exchange: 'mx1.ttl.test', priority: 10, ttl: 10 }]);
    dns.zone.set('mx.short.test', [{ type: 'A', address: '192.0.2.5', ttl: 3600 }]);
    expect(await hosts('short.test')).toEqual(['mx1.ttl.test']);
    dns.zone.set('short.test', [{ type: 'MX', exchange: 'mx.short.test', priority: 10, ttl: 10 }]);
    now += 9_000;
    expect(await hosts('short.test')).toEqual(['mx1.ttl.test']);
    now += 2_000;
    expect(await hosts('short.test')).toEqual(['mx.short.test']);
    expect(asked('short.test MX')).toBe(2);
  });

  it('keeps a long address TTL at most an hour', async () => {
    dns.zone.set('long.test', [{ type: 'A', address: '192.0.2.3', ttl: 86_400 }]);
    expect(await lookup.addresses('long.test')).toEqual({ ok: true, value: ['192.0.2.3'] });
    dns.zone.set('long.test', [{ type: 'A', address: '192.0.2.4', ttl: 86_400 }]);
    now += 3_599_000;
    expect(await lookup.addresses('long.test')).toEqual({ ok: true, value: ['192.0.2.3'] });
    now += 2_000;
    expect(await lookup.addresses('long.test')).toEqual({ ok: true, value: ['192.0.2.4'] });
  });

  it('gives an exchanger\'s IPv4 addresses first, then IPv6, and an IPv6-only one its AAAA records', async () => {
    dns.zone.set('both.test', [{ type: 'AAAA', address: '2001:db8::7' }, { type: 'A', address: '192.0.2.7' }]);
    dns.zone.set('six.test', [{ type: 'AAAA', address: '2001:db8::6' }]);
    expect(await lookup.addresses('both.test')).toEqual({ ok: true, value: ['192.0.2.7', '2001:db8::7'] });
    expect(await lookup.addresses('six.test')).toEqual({ ok: true, value: ['2001:db8::6'] });
    // No MX: the domain's own AAAA record is its exchanger (RFC 5321 §5.1).
    expect(await hosts('six.test')).toEqual(['six.test']);
    dns.zone.set('none.test', [{ type: 'TXT', data: 'v=spf1 -all' }]);
    expect(await lookup.addresses('none.test')).toMatchObject({ ok: false, permanent: true, reason: 'none.test has no A or AAAA record' });
  });

  it('keeps NXDOMAIN for 60 s and never keeps a SERVFAIL', async () => {
    const nx = await lookup.destination('gone.test');
    expect(nx).toMatchObject({ ok: false, permanent: true, reason: expect.stringMatching(/gone\.test does not exist \(NXDOMAIN\)/) });
    dns.zone.set('gone.test', [{ type: 'MX', exchange: 'mx2.ttl.test', priority: 10 }]);
    now += 59_000;
    expect((await lookup.destination('gone.test')).ok).toBe(false);
    now += 2_000;
    expect(await hosts('gone.test')).toEqual(['mx2.ttl.test']);

    dns.zone.set('flaky.test', [{ type: 'SERVFAIL' }]);
    expect(await lookup.destination('flaky.test')).toMatchObject({ ok: false, permanent: false, reason: expect.stringMatching(/SERVFAIL/) });
    dns.zone.set('flaky.test', [{ type: 'MX', exchange: 'mx2.ttl.test', priority: 10 }]);
    // No time passes: the failure was not remembered, the server is asked again.
    expect(await hosts('flaky.test')).toEqual(['mx2.ttl.test']);
  });

  it('shuffles equal preferences at each use, not once for the MX records\' TTL', async () => {
    dns.zone.set('eq.test', [{ type: 'MX', exchange: 'mx1.eq.test', priority: 10, ttl: 3600 }, { type: 'MX', exchange: 'mx2.eq.test', priority: 10, ttl: 3600 }, { type: 'MX', exchange: 'mx0.eq.test', priority: 5, ttl: 3600 }]);
    // The tie-breakers of the three records, one use then the next: whatever order the records
    // come in, the two of preference 10 swap places between the uses.
    const draws = [0.1, 0.9, 0.5, 0.9, 0.1, 0.5];
    let n = 0;
    const shuffled = createExchangerLookup([`127.0.0.1:${dns.port}`], { now: () => now, timeoutMs: 2000, random: () => draws[n++ % draws.length] });
    const order = async () => {
      const d = await shuffled.destination('eq.test');
      return d.ok && d.value.kind === 'exchangers' ? d.value.hosts : [];
    };
    const first = await order();
    expect(first[0]).toBe('mx0.eq.test');
    now += 1_000;
    // Within the TTL: the records come from the cache, their order does not (before: the first order for an hour).
    expect(await order()).toEqual([first[0], first[2], first[1]]);
    expect(asked('eq.test MX')).toBe(1);
  });
});
