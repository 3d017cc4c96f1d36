import https from 'node:https';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileNetworkPolicy } from '../../src/core/probes/network-policy.js';
import { createExchangerLookup } from '../../src/delivery/direct/exchanger-lookup.js';
import { MTA_STS_FAILURE_CACHE_MS, httpsMtaStsSource } from '../../src/delivery/direct/mta-sts-fetch.js';
import type { MtaStsSource } from '../../src/delivery/direct/mta-sts-source.js';
import { freePort, selfSignedCert, tempDir, type Cert } from '../helpers/diagnostics-peers.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';

/**
 * MTA-STS policy hosts that do not answer (RFC 8461 §3.3: no policy, or the cached one): a host
 * that accepts connections and never says a word, and one that drips its policy a byte at a
 * time. Each fetch ends by a total deadline, however the bytes trickle; a failed fetch is
 * remembered for a short while, so the messages that follow do not each wait for it again;
 * messages asking at once share one fetch; a valid cached policy stays in force meanwhile.
 * Real servers on loopback, found through a loopback DNS server, a clock the test moves.
 */
const DEADLINE_MS = 600;
const ENFORCE = 'version: STSv1\r\nmode: enforce\r\nmx: mx.drip.test\r\nmax_age: 86400\r\n';

interface Silent {
  port: number;
  connections: number;
  stop(): Promise<void>;
}

/** Accepts TCP connections and never answers (the TLS handshake never completes). */
async function silentServer(address: string): Promise<Silent> {
  const port = await freePort();
  const sockets = new Set<net.Socket>();
  const s: Silent = { port, connections: 0, stop: async () => undefined };
  const server = net.createServer((socket) => {
    s.connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(port, address, resolve));
  s.stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return s;
}

describe('MTA-STS: a policy host that does not answer', () => {
  let dns: DnsServer;
  let cert: Cert;
  let keptCert: Cert;
  const stops: (() => Promise<void>)[] = [];
  let now = Date.UTC(2026, 0, 5, 9, 0, 0);

  /** What each source said at level warn, in order. */
  let warned: { obj: Record<string, unknown>; msg: string }[] = [];
  const source = (address: string, port: number): MtaStsSource => {
    const lookup = createExchangerLookup([`127.0.0.1:${dns.port}`], { now: () => now });
    warned = [];
    const logger = { warn: (obj: object, msg: string) => void warned.push({ obj: obj as Record<string, unknown>, msg }) };
    return httpsMtaStsSource({ lookup, policy: compileNetworkPolicy([address]), extraCa: [cert.cert, keptCert.cert], port, now: () => now, timeoutMs: DEADLINE_MS, logger });
  };
  const timed = async <T>(p: Promise<T>): Promise<{ value: T; ms: number }> => {
    const start = performance.now();
    const value = await p;
    return { value, ms: performance.now() - start };
  };

  beforeAll(async () => {
    const dir = tempDir('mailroom-sts-fail-');
    cert = selfSignedCert(dir, 'mta-sts.drip.test');
    keptCert = selfSignedCert(dir, 'mta-sts.kept.test');
    dns = await startDnsServer();
    for (const [domain, address] of [['hole.test', '127.0.0.11'], ['drip.test', '127.0.0.12'], ['both.test', '127.0.0.13'], ['kept.test', '127.0.0.14']]) {
      dns.zone.set(`_mta-sts.${domain}`, [{ type: 'TXT', data: 'v=STSv1; id=one' }]);
      dns.zone.set(`mta-sts.${domain}`, [{ type: 'A', address }]);
    }
  });

  afterAll(async () => {
    for (const stop of stops) await stop();
    await dns?.stop();
  });

  it('a host that never answers: the fetch ends at its deadline, and the next messages do not wait for it again', async () => {
    const hole = await silentServer('127.0.0.11');
    stops.push(hole.stop);
    const sts = source('127.0.0.11', hole.port);
    const first = await timed(sts.policyFor('hole.test'));
    expect(first.value).toEqual({ ok: true, value: undefined });
    expect(first.ms).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
    expect(hole.connections).toBe(1);
    // The failure is logged, with why and what the domain's mail goes with meanwhile.
    expect(warned).toEqual([
      {
        obj: { domain: 'hole.test', policyId: 'one', reason: 'mta-sts.hole.test: no complete policy within 0.6 s', cachedMode: null, retryInSec: 300 },
        msg: 'MTA-STS policy of hole.test could not be fetched; its mail goes as if it published none (RFC 8461 §5) until the fetch is tried again',
      },
    ]);
    // The next message, a minute later: no policy at once, no new fetch, nothing said again.
    now += 60_000;
    const second = await timed(sts.policyFor('hole.test'));
    expect(second.value).toEqual({ ok: true, value: undefined });
    expect(second.ms).toBeLessThan(DEADLINE_MS / 2);
    expect(hole.connections).toBe(1);
    expect(warned).toHaveLength(1);
    // Once the failure is forgotten, the policy is asked for again.
    now += MTA_STS_FAILURE_CACHE_MS;
    await sts.policyFor('hole.test');
    expect(hole.connections).toBe(2);
    expect(warned).toHaveLength(2);
  });

  it('messages asking at once share one fetch', async () => {
    const hole = await silentServer('127.0.0.13');
    stops.push(hole.stop);
    const sts = source('127.0.0.13', hole.port);
    const answers = await Promise.all([sts.policyFor('both.test'), sts.policyFor('both.test'), sts.policyFor('both.test')]);
    expect(answers).toEqual(Array(3).fill({ ok: true, value: undefined }));
    expect(hole.connections).toBe(1);
  });

  it('a host that drips its policy a byte at a time: the deadline is total, not per byte', async () => {
    const port = await freePort();
    const drips = new Set<NodeJS.Timeout>();
    const server = https.createServer({ key: cert.key, cert: cert.cert }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      let i = 0;
      // A byte every 50 ms: the whole policy would take about 3.5 s, no pause is ever long.
      const timer = setInterval(() => {
        if (i < ENFORCE.length) return void res.write(ENFORCE[i++]);
        clearInterval(timer);
        res.end();
      }, 50);
      drips.add(timer);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.12', resolve));
    stops.push(async () => {
      for (const d of drips) clearInterval(d);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const sts = source('127.0.0.12', port);
    const { value, ms } = await timed(sts.policyFor('drip.test'));
    expect(value).toEqual({ ok: true, value: undefined });
    expect(ms).toBeLessThan(DEADLINE_MS + 1_000);
  });

  it('a valid cached policy stays in force while a new one cannot be fetched, without a fetch for each message', async () => {
    let silent = false;
    let requests = 0;
    const port = await freePort();
    const server = https.createServer({ key: keptCert.key, cert: keptCert.cert }, (_req, res) => {
      requests++;
      // Once silent, the request is taken and never answered.
      if (silent) return;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(ENFORCE);
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.14', resolve));
    stops.push(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const sts = source('127.0.0.14', port);
    expect(await sts.policyFor('kept.test')).toMatchObject({ ok: true, value: { id: 'one', mode: 'enforce' } });
    expect(requests).toBe(1);
    // A new id; the policy host now takes the request and never answers.
    silent = true;
    dns.zone.set('_mta-sts.kept.test', [{ type: 'TXT', data: 'v=STSv1; id=two' }]);
    now += 301_000; // past the TXT record's 300 s
    expect(await sts.policyFor('kept.test')).toMatchObject({ ok: true, value: { id: 'one', mode: 'enforce' } });
    expect(requests).toBe(2);
    expect(warned).toEqual([
      {
        obj: expect.objectContaining({ domain: 'kept.test', policyId: 'two', cachedMode: 'enforce' }),
        msg: 'MTA-STS policy of kept.test could not be fetched; its mail goes with the policy fetched before (mode enforce) until the fetch is tried again',
      },
    ]);
    const next = await timed(sts.policyFor('kept.test'));
    expect(next.value).toMatchObject({ ok: true, value: { id: 'one', mode: 'enforce' } });
    expect(next.ms).toBeLessThan(DEADLINE_MS / 2);
    expect(requests).toBe(2);
    // The failure forgotten, the host answering again: the new policy replaces the cached one.
    silent = false;
    now += MTA_STS_FAILURE_CACHE_MS;
    expect(await sts.policyFor('kept.test')).toMatchObject({ ok: true, value: { id: 'two', mode: 'enforce' } });
    expect(requests).toBe(3);
  });
});
