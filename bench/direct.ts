/**
 * npm run bench:direct -- [--messages 10000] [--domains 100] [--exchangers 4] [--concurrency 64]
 *
 * Direct delivery beside the relay path, in the same run and the same Mailroom process
 * (`mailroom start`, SQLite, fsync before every 202): N messages through a relay server (the
 * deploy-time one, pointed at smtp-sink, 20 connections), then N messages through a direct
 * server to `--domains` recipient domains. A loopback DNS server (dns2) answers each domain's
 * MX, whose A record is one of `--exchangers` smtp-sinks on 127.0.0.2, 127.0.0.3 … (one port,
 * as port 25 would be; allow-listed). Every direct message is one recipient at one domain, so
 * each is one MX lookup (cached per TTL: 1 s here), one policy check and one transaction on a
 * pooled connection to its domain's exchanger (2 per domain, 20 in all). Prints msgs/s end to
 * end for both and their ratio, and Mailroom's CPU per message.
 */
import { startDnsServer, type ZoneRecord } from '../test/helpers/dns-server.js';
import { startMailroomProcess } from './mailroom-process.js';
import { countArg, body, freePort, startSink } from './peers.js';
import { runPhase, type Post, type PhaseResult } from './phase.js';

const N = countArg('messages', 10000);
const DOMAINS = countArg('domains', 100);
const EXCHANGERS = Math.min(countArg('exchangers', 4), 50);
const CONCURRENCY = countArg('concurrency', 64);
const POOL = 20;

async function main() {
  const port = await freePort();
  const addresses = Array.from({ length: EXCHANGERS }, (_, i) => `127.0.0.${i + 2}`);
  const sinks = await Promise.all(addresses.map((address) => startSink({ address, port })));
  const zone = new Map<string, ZoneRecord[]>();
  for (let d = 0; d < DOMAINS; d++) {
    zone.set(`d${d}.test`, [{ type: 'MX', exchange: `mx.d${d}.test`, priority: 10 }]);
    zone.set(`mx.d${d}.test`, [{ type: 'A', address: addresses[d % EXCHANGERS] }]);
  }
  const dns = await startDnsServer(zone);
  const mr = await startMailroomProcess({
    sinkPort: port,
    pool: POOL,
    concurrency: CONCURRENCY,
    env: { MAILROOM_SMTP_HOST: addresses[0], MAILROOM_DNS_SERVERS: `127.0.0.1:${dns.port}`, MAILROOM_ALLOW_PRIVATE_HOSTS: addresses.join(',') },
  });
  try {
    const post: Post = (url, payload, method = 'POST') => mr.api(method, url, payload);
    const json = async (method: string, url: string, payload?: unknown) => {
      const res = await post(url, payload, method);
      if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${res.body}`);
      return JSON.parse(res.body);
    };
    const relayAccount = (await json('GET', '/api/v1/accounts')).items[0].id as string;
    const server = await json('POST', '/api/v1/servers', { name: 'direct', smtp: { mode: 'direct', port, maxConnections: POOL, direct: { maxConnectionsPerDomain: 2 } } });
    const directAccount = (await json('POST', '/api/v1/accounts', { serverId: server.id, address: 'bench@example.com' })).id as string;
    const settings = await json('GET', '/api/v1/settings');
    let version = settings.version as number | undefined;
    // Which server a phase uses: the default account (no key here may choose one per message).
    const use = async (accountId: string) => {
      const res = await json('PATCH', '/api/v1/settings', { defaultAccountId: accountId, ...(version ? { version } : {}) });
      version = res.version;
    };
    const message = (i: number) => ({ to: [`rcpt${i % 50}@d${i % DOMAINS}.test`], subject: `Bench ${i}`, text: body(i) });

    const phases: [string, PhaseResult][] = [];
    for (const [name, account] of [['relay', relayAccount], ['direct', directAccount]] as const) {
      await use(account);
      // Warm-up (JIT, pools, DNS cache): not timed.
      const before = await mr.countSent();
      for (let i = 0; i < 300; i += 30) await Promise.all(Array.from({ length: 30 }, (_, j) => post('/api/v1/messages', message(i + j))));
      while ((await mr.countSent()) < before + 300) await new Promise((r) => setTimeout(r, 20));
      phases.push([name, await runPhase({ post, pid: mr.child.pid as number, n: N, concurrency: CONCURRENCY, payload: message, sentCount: mr.countSent, sentBefore: await mr.countSent() })]);
    }
    const [relay, direct] = phases.map(([, r]) => r);
    const lines = [
      `messages: ${N} per phase (~2 KB, one recipient each), HTTP concurrency ${CONCURRENCY}, SQLite (WAL, fsync before every 202), ${DOMAINS} recipient domains on ${EXCHANGERS} loopback smtp-sinks, after 300 untimed warm-up messages per phase`,
      ...phases.flatMap(([name, r]) => [
        `[${name}] accept:      ${r.acceptRate.toFixed(0)} msgs/s  (p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, non-202: ${r.failures}${r.firstFailure ? `, first: ${r.firstFailure}` : ''})`,
        `[${name}] end-to-end:  ${r.e2eRate.toFixed(0)} msgs/s  (${r.messages - r.failures} delivered in ${r.e2eSecs.toFixed(2)} s)`,
        `[${name}] Mailroom CPU: ${r.cpuPerMsg === undefined ? 'n/a' : `${r.cpuPerMsg.toFixed(2)} ms per message`}; by thread: ${r.threads || 'n/a'}`,
      ]),
      `direct / relay end-to-end: ${(direct.e2eRate / relay.e2eRate).toFixed(2)}  (relay: one server, ${POOL} connections, in the SMTP thread; direct: MX per domain, 2 connections per domain, ${POOL} in all, in the SMTP thread too)`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await mr.stop();
    await dns.stop();
    for (const s of sinks) s.stop();
  }
}

await main();
