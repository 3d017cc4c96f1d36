import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileNetworkPolicy } from '../../src/core/probes/network-policy.js';
import { createExchangerLookup } from '../../src/delivery/direct/exchanger-lookup.js';
import { httpsMtaStsSource } from '../../src/delivery/direct/mta-sts-fetch.js';
import type { MtaStsSource } from '../../src/delivery/direct/mta-sts-source.js';
import { freePort, selfSignedCert, tempDir } from '../helpers/diagnostics-peers.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';

/**
 * MTA-STS policies (RFC 8461 §3.3, §5) fetched from a real HTTPS server on loopback, found
 * through a loopback DNS server, with a clock the test moves: a policy is fetched once and kept
 * for its max_age, fetched again when the TXT id changes, and a cached enforce policy stays in
 * force when the record or the policy server disappears; a policy host the network policy
 * refuses is not fetched from.
 */
describe('MTA-STS policy cache', () => {
  let dns: DnsServer;
  let server: https.Server;
  let source: MtaStsSource;
  let refusing: MtaStsSource;
  let now = Date.UTC(2026, 0, 5, 9, 0, 0);
  let body = 'version: STSv1\r\nmode: enforce\r\nmx: mx.sts.test\r\nmax_age: 600\r\n';
  let fetches = 0;

  beforeAll(async () => {
    const dir = tempDir('mailroom-sts-cache-');
    const cert = selfSignedCert(dir, 'mta-sts.sts.test');
    const port = await freePort();
    server = https.createServer({ key: cert.key, cert: cert.cert }, (_req, res) => {
      fetches++;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.5', resolve));
    dns = await startDnsServer();
    dns.zone.set('_mta-sts.sts.test', [{ type: 'TXT', data: 'v=STSv1; id=one' }]);
    dns.zone.set('mta-sts.sts.test', [{ type: 'A', address: '127.0.0.5' }]);
    const lookup = createExchangerLookup([`127.0.0.1:${dns.port}`], { now: () => now });
    source = httpsMtaStsSource({ lookup, policy: compileNetworkPolicy(['127.0.0.5']), extraCa: [cert.cert], port, now: () => now });
    refusing = httpsMtaStsSource({ lookup, policy: compileNetworkPolicy([]), extraCa: [cert.cert], port, now: () => now });
  });

  afterAll(async () => {
    await dns?.stop();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it('fetches a policy once and keeps it for its max_age', async () => {
    expect(await source.policyFor('sts.test')).toEqual({ ok: true, value: { id: 'one', mode: 'enforce', mx: ['mx.sts.test'], maxAgeSec: 600 } });
    now += 301_000; // past the TXT record's 300 s: asked again, same id
    expect((await source.policyFor('sts.test')).ok).toBe(true);
    expect(fetches).toBe(1);
  });

  it('fetches again when the TXT id changes', async () => {
    body = 'version: STSv1\r\nmode: enforce\r\nmx: *.sts.test\r\nmax_age: 600\r\n';
    dns.zone.set('_mta-sts.sts.test', [{ type: 'TXT', data: 'v=STSv1; id=two' }]);
    now += 301_000;
    expect(await source.policyFor('sts.test')).toMatchObject({ ok: true, value: { id: 'two', mx: ['*.sts.test'] } });
    expect(fetches).toBe(2);
  });

  it('does not fetch from a policy host on an address the network policy refuses', async () => {
    expect(await refusing.policyFor('sts.test')).toEqual({ ok: true, value: undefined });
    // The server is up and would answer: the refusal is the network policy's.
    expect(fetches).toBe(2);
  });

  it('keeps a cached enforce policy in force when the record and the policy server are gone, until its max_age ends', async () => {
    dns.zone.delete('_mta-sts.sts.test');
    now += 301_000; // the TXT answer (300 s) has expired: the name is gone (NXDOMAIN), the policy fetched 301 s ago is not
    expect(await source.policyFor('sts.test')).toMatchObject({ ok: true, value: { id: 'two', mode: 'enforce' } });
    // A new id while the policy server is unreachable: the cached policy still holds.
    dns.zone.set('_mta-sts.sts.test', [{ type: 'TXT', data: 'v=STSv1; id=three' }]);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    now += 61_000; // past the NXDOMAIN's 60 s
    expect(await source.policyFor('sts.test')).toMatchObject({ ok: true, value: { id: 'two', mode: 'enforce' } });
    // max_age (600 s) is over and nothing new can be fetched: no policy (RFC 8461 §5).
    now += 240_000;
    expect(await source.policyFor('sts.test')).toEqual({ ok: true, value: undefined });
    expect(fetches).toBe(2);
  });
});
