/**
 * npm run bench:relay -- [--messages 20000] [--sessions 20] [--postgres URL] [--skip-postfix]
 *                         [--connection-per-message]
 *
 * The SMTP relay against Postfix as a relay, in the same run, both delivering to the same
 * smtp-sink. Postfix's smtp-source puts N messages of ~2 KB through `--sessions` parallel SMTP
 * sessions (each keeping its connection, like a pooled client; --connection-per-message opens
 * one per message, like Django's send_mail) into Mailroom's relay (`mailroom start`, its own temp data dir; the sessions log in
 * by client address, a client-ip credential, as smtp-source cannot AUTH) and then into a private
 * Postfix smtpd relaying for 127.0.0.1 (bench/postfix-relay.ts). A 250 from either means the
 * message is on disk (Mailroom commits and fsyncs before it; Postfix fsyncs its queue file).
 *
 * Figures: accept msgs/s (until smtp-source has its last 250), end-to-end msgs/s (until the sink
 * has every message: Mailroom's `sent` count, Postfix's empty queue), the ratio Mailroom ÷
 * Postfix, and the accept latency (final dot → 250) p50/p99 seen by one more session that
 * sends back to back beside smtp-source's (its messages count in both rates). CPU per message
 * for Mailroom (all threads), Postfix (all its processes) and the sink.
 */
import { execFile } from 'node:child_process';
import { startMailroomProcess } from './mailroom-process.js';
import { arg, countArg, cpuMs, freePort, peakRssMiB, percentile, startSink, threadCpuLine, threadCpuMs } from './peers.js';
import { measurePostfixRelay, type PostfixRelayResult, type Submitter } from './postfix-relay.js';
import { RawSmtp } from '../test/helpers/smtp-client.js';

const N = countArg('messages', 20000);
const SESSIONS = countArg('sessions', 20);
const PG_URL = arg('postgres', '');
const SKIP_POSTFIX = process.argv.includes('--skip-postfix');
/** smtp-source -d: each session keeps its connection for its next message (a pooled client); without, a connection per message. */
const REUSE = !process.argv.includes('--connection-per-message');
const POOL = 20;
const WARMUP = 300;
const FROM = 'bench@example.com';
/** ~2 KB of body, as bench/throughput.ts sends. */
const LENGTH = 2000;

function smtpSource(port: number, count: number, subject: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = [...(REUSE ? ['-d'] : []), '-s', String(SESSIONS), '-m', String(count), '-l', String(LENGTH), '-f', FROM, '-t', 'rcpt@example.net', '-S', subject, '-M', 'bench.test', `127.0.0.1:${port}`];
    execFile('/usr/sbin/smtp-source', args, { maxBuffer: 1 << 24 }, (err, stdout, stderr) => (err ? reject(new Error(`smtp-source failed: ${err.message}\n${stdout}${stderr}`)) : resolve()));
  });
}

/**
 * One more session beside the load, sending back to back until `until` settles: the time from
 * its final dot to the 250 is the accept latency as an application sees it.
 */
async function latencyProbe(port: number, until: Promise<void>): Promise<number[]> {
  let done = false;
  void until.finally(() => (done = true));
  const c = await RawSmtp.connect(port);
  const latencies: number[] = [];
  const body = `From: ${FROM}\r\nTo: rcpt@example.net\r\nSubject: Bench probe\r\n\r\n${`${'X'.repeat(78)}\r\n`.repeat(25)}.\r\n`;
  await c.reply();
  await c.command('EHLO probe.test');
  while (!done) {
    if (!(await c.command(`MAIL FROM:<${FROM}>`))?.startsWith('250')) throw new Error(`probe: MAIL refused: ${c.transcript.slice(-300)}`);
    await c.command('RCPT TO:<rcpt@example.net>');
    await c.command('DATA');
    const t = performance.now();
    c.write(body);
    const reply = await c.reply(120_000);
    if (!reply?.startsWith('250')) throw new Error(`probe: message refused: ${reply}`);
    latencies.push(performance.now() - t);
  }
  await c.command('QUIT');
  c.close();
  return latencies;
}

/** smtp-source's `count` messages and the probe beside them; resolves with how many went in. */
function loadWithProbe(latencies: number[], subject: string): Submitter {
  return async (port, first, count) => {
    if (first === 0) {
      await smtpSource(port, count, `${subject} warm-up`);
      return count;
    }
    const load = smtpSource(port, count, subject);
    const probe = latencyProbe(port, load);
    await load;
    const samples = await probe;
    latencies.push(...samples);
    return count + samples.length;
  };
}

async function measureMailroom(sinkPort: number, sinkPid: number) {
  const relayPort = await freePort();
  const mr = await startMailroomProcess({ sinkPort, pool: POOL, pgUrl: PG_URL || undefined, env: { MAILROOM_RELAY_PORT: String(relayPort) } });
  try {
    const made = await mr.api('POST', '/api/v1/smtp-credentials', { name: 'bench', authentication: 'client-ip', allowedIps: ['127.0.0.1'], allowedFrom: [FROM] });
    if (made.status !== 201) throw new Error(`could not create the credential: ${made.body}`);
    const latencies: number[] = [];
    const submit = loadWithProbe(latencies, 'Bench relay');
    const waitSent = async (n: number) => {
      while ((await mr.countSent()) < n) await new Promise((r) => setTimeout(r, 20));
    };
    await submit(relayPort, 0, WARMUP);
    await waitSent(WARMUP);
    const pid = mr.child.pid as number;
    const cpu0 = cpuMs(pid);
    const threads0 = threadCpuMs(pid);
    const sink0 = cpuMs(sinkPid) ?? 0;
    const t0 = performance.now();
    const submitted = await submit(relayPort, WARMUP, N);
    const acceptSecs = (performance.now() - t0) / 1000;
    await waitSent(WARMUP + submitted);
    const secs = (performance.now() - t0) / 1000;
    const cpu = (cpuMs(pid) ?? 0) - (cpu0 ?? 0);
    const threads = threadCpuLine(threads0, threadCpuMs(pid), submitted);
    const sinkCpu = (cpuMs(sinkPid) ?? 0) - sink0;
    return { submitted, acceptSecs, secs, rate: submitted / secs, cpuPerMsg: cpu / submitted, threads, sinkCpuPerMsg: sinkCpu / submitted, rss: peakRssMiB(pid), latencies: latencies.sort((a, b) => a - b) };
  } finally {
    await mr.stop();
  }
}

async function main() {
  const sink = await startSink();
  try {
    const sinkPid = sink.child.pid as number;
    const m = await measureMailroom(sink.port, sinkPid);
    const postfixLatencies: number[] = [];
    const postfix: PostfixRelayResult | undefined = SKIP_POSTFIX
      ? undefined
      : await measurePostfixRelay({ sinkPort: sink.port, sinkPid, messages: N, pool: POOL, submit: loadWithProbe(postfixLatencies, 'Bench postfix') });
    postfixLatencies.sort((a, b) => a - b);
    const ms = (v: number) => `${v.toFixed(1)} ms`;
    const lines = [
      `messages: ${N} by smtp-source in ${SESSIONS} sessions (~2 KB each, ${REUSE ? 'connections kept' : 'a connection per message'}) + a latency probe session, after ${WARMUP} untimed warm-up messages; storage ${PG_URL ? 'PostgreSQL' : 'SQLite (fsync before every 250)'}; Mailroom SMTP pool ${POOL}, Postfix ${POOL} parallel deliveries`,
      `Mailroom relay: accept ${(m.submitted / m.acceptSecs).toFixed(0)} msgs/s, end-to-end ${m.rate.toFixed(0)} msgs/s (${m.submitted} delivered to smtp-sink in ${m.secs.toFixed(2)} s)`,
      `  accept latency (final dot → 250, ${m.latencies.length} probe messages): p50 ${ms(percentile(m.latencies, 50))}, p99 ${ms(percentile(m.latencies, 99))}`,
      `  CPU ${m.cpuPerMsg.toFixed(2)} ms per message (all threads), smtp-sink ${m.sinkCpuPerMsg.toFixed(2)} ms; peak RSS ${m.rss === undefined ? 'n/a' : `${m.rss.toFixed(0)} MiB`}`,
      `  by thread (ms per message): ${m.threads || 'n/a'}`,
      postfix
        ? `Postfix relay: accept ${(postfix.messages / postfix.acceptSecs).toFixed(0)} msgs/s, end-to-end ${postfix.rate.toFixed(0)} msgs/s (${postfix.messages} delivered in ${postfix.secs.toFixed(2)} s); CPU ${postfix.cpuPerMsg.toFixed(2)} ms per message (all Postfix processes), smtp-sink ${postfix.sinkCpuPerMsg.toFixed(2)} ms; ${(postfix.reusedShare * 100).toFixed(0)}% of its deliveries reused a cached connection\n` +
          `  accept latency (${postfixLatencies.length} probe messages): p50 ${ms(percentile(postfixLatencies, 50))}, p99 ${ms(percentile(postfixLatencies, 99))}\n` +
          `Mailroom relay end-to-end / Postfix relay: ${(m.rate / postfix.rate).toFixed(2)}×  (aim ≥ 2×)`
        : 'Postfix relay: skipped',
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    sink.stop();
  }
}

await main();
