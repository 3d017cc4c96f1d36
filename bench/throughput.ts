/**
 * npm run bench -- [--messages 20000] [--concurrency 64] [--postgres URL] [--skip-baseline] [--postfix]
 *
 * Starts Mailroom (`mailroom start`, its own temp data dir) in front of Postfix's smtp-sink,
 * sends N messages of ~2 KB through the HTTP API over real HTTP, and prints accept msgs/s,
 * end-to-end delivered msgs/s, accept latency p50/p99 and Mailroom's peak RSS. In the same run
 * a bare nodemailer pool (20 connections, nothing stored) sends N messages to the same sink;
 * the ratio end-to-end / bare is the figure of merit (target ≥ 0.8). "202" still means the
 * message is committed with fsync (SQLite WAL fsynced by the group commit before the 202).
 *
 * The bare pool runs before AND after Mailroom and the ratio uses their mean, so a machine
 * whose load changes during the run skews it less. CPU per message (user + system, all
 * threads) is printed for both: unlike msgs/s it hardly depends on what else the machine runs.
 *
 * --postfix also measures Postfix as a relay in the same run, after the bare pool, against the
 * same sink (bench/postfix-relay.ts): a private Postfix instance (own config, queue and data
 * dirs under a temp dir; root only) takes the same N messages from a 20-connection nodemailer
 * pool and relays them with 20 parallel deliveries; its rate is N / time until its queue is
 * empty, and "Mailroom end-to-end / Postfix relay" compares the two.
 */
import nodemailer from 'nodemailer';
import { startMailroomProcess, type MailroomProcess } from './mailroom-process.js';
import { arg, body, cpuMs, peakRssMiB, percentile, startSink, threadCpuLine, threadCpuMs, userCpuMs } from './peers.js';
import { measurePostfixRelay } from './postfix-relay.js';

const N = Number(arg('messages', '20000'));
const CONCURRENCY = Number(arg('concurrency', '64'));
const PG_URL = arg('postgres', '');
const SKIP_BASELINE = process.argv.includes('--skip-baseline');
const POSTFIX = process.argv.includes('--postfix');
const POOL = 20;

async function baseline(port: number, sinkPid: number): Promise<{ rate: number; cpuPerMsg: number; sinkCpuPerMsg: number }> {
  const transport = nodemailer.createTransport({ pool: true, host: '127.0.0.1', port, secure: false, ignoreTLS: true, maxConnections: POOL, maxMessages: Infinity });
  const cpu0 = process.cpuUsage();
  const sink0 = cpuMs(sinkPid) ?? 0;
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < N) {
      const i = next++;
      await transport.sendMail({ from: 'Bench <bench@example.com>', to: `rcpt${i % 50}@example.net`, subject: `Bench ${i}`, text: body(i) });
    }
  };
  await Promise.all(Array.from({ length: POOL * 4 }, worker));
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const sinkCpu = (cpuMs(sinkPid) ?? 0) - sink0;
  transport.close();
  return { rate: N / secs, cpuPerMsg: (cpu.user + cpu.system) / 1000 / N, sinkCpuPerMsg: sinkCpu / N };
}

async function main() {
  const sink = await startSink();
  let mr: MailroomProcess | undefined;
  try {
    const bareBefore = SKIP_BASELINE ? undefined : await baseline(sink.port, sink.child.pid as number);
    mr = await startMailroomProcess({ sinkPort: sink.port, pool: POOL, pgUrl: PG_URL || undefined, concurrency: CONCURRENCY });
    const { child, databaseUrl } = mr;
    const pgDb = databaseUrl ? new URL(databaseUrl).pathname.slice(1) : undefined;
    const post = (url: string, payload: unknown) => mr!.api('POST', url, payload);

    // Warm-up (JIT, lazily loaded modules, first pool connections): not timed.
    const WARMUP = 300;
    for (let i = 0; i < WARMUP; i += 30) {
      await Promise.all(Array.from({ length: 30 }, (_, j) => post('/api/v1/messages', { to: ['warm@example.net'], subject: `Warm-up ${i + j}`, text: body(i + j) })));
    }
    const latencies: number[] = [];
    const childCpu0 = cpuMs(child.pid as number);
    const threads0 = threadCpuMs(child.pid as number);
    const sinkCpu0 = cpuMs(sink.child.pid as number) ?? 0;
    const pgCpu0 = databaseUrl ? userCpuMs('postgres') : undefined;
    const pgDbCpu0 = pgDb ? userCpuMs('postgres', pgDb) : undefined;
    const clientCpu0 = process.cpuUsage();
    const t0 = performance.now();
    let next = 0;
    let failures = 0;
    const worker = async () => {
      while (next < N) {
        const i = next++;
        const start = performance.now();
        const res = await post('/api/v1/messages', { to: [`rcpt${i % 50}@example.net`], subject: `Bench ${i}`, text: body(i) });
        latencies.push(performance.now() - start);
        if (res.status !== 202) failures++;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const acceptSecs = (performance.now() - t0) / 1000;

    const count = mr.countSent;
    let sent = 0;
    for (;;) {
      sent = await count();
      if (sent >= WARMUP + N - failures) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const e2eSecs = (performance.now() - t0) / 1000;
    const childCpu1 = cpuMs(child.pid as number);
    const threads1 = threadCpuMs(child.pid as number);
    const sinkCpu = ((cpuMs(sink.child.pid as number) ?? 0) - sinkCpu0) / N;
    const pgCpu1 = databaseUrl ? userCpuMs('postgres') : undefined;
    const pgDbCpu1 = pgDb ? userCpuMs('postgres', pgDb) : undefined;
    const clientUsage = process.cpuUsage(clientCpu0);
    const clientCpu = (clientUsage.user + clientUsage.system) / 1000 / N;
    const rss = peakRssMiB(child.pid as number);
    await mr.stop();
    const bareAfter = SKIP_BASELINE ? undefined : await baseline(sink.port, sink.child.pid as number);
    const bare = bareBefore && bareAfter ? (bareBefore.rate + bareAfter.rate) / 2 : NaN;
    const postfix = POSTFIX ? await measurePostfixRelay({ sinkPort: sink.port, sinkPid: sink.child.pid as number, messages: N, pool: POOL }) : undefined;
    const mailroomCpu = childCpu0 !== undefined && childCpu1 !== undefined ? (childCpu1 - childCpu0) / N : undefined;

    latencies.sort((a, b) => a - b);
    const e2e = N / e2eSecs;
    const lines = [
      `messages: ${N} (~2 KB), HTTP concurrency ${CONCURRENCY}, storage ${databaseUrl ? 'PostgreSQL' : 'SQLite (WAL, fsync before every 202)'}, SMTP pool ${POOL}`,
      `accept:        ${(N / acceptSecs).toFixed(0)} msgs/s  (p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, non-202: ${failures})`,
      `end-to-end:    ${e2e.toFixed(0)} msgs/s  (${sent - WARMUP} delivered to smtp-sink in ${e2eSecs.toFixed(2)} s, after ${WARMUP} untimed warm-up messages)`,
      `peak RSS:      ${rss === undefined ? 'n/a' : `${rss.toFixed(0)} MiB`}`,
      `Mailroom CPU:  ${mailroomCpu === undefined ? 'n/a' : `${mailroomCpu.toFixed(2)} ms per message (all threads, accept + delivery)`}`,
      `  by thread (ms per message): ${threadCpuLine(threads0, threads1, N) || 'n/a'}`,
      `  beside it: this HTTP client ${clientCpu.toFixed(2)} ms, smtp-sink ${sinkCpu.toFixed(2)} ms per message`,
      pgCpu0 === undefined || pgCpu1 === undefined
        ? ''
        : `PostgreSQL CPU: ${((pgCpu1 - pgCpu0) / N).toFixed(2)} ms per message (all processes of user postgres, so anything else the server runs meanwhile too; this database's backends alone ${pgDbCpu0 === undefined || pgDbCpu1 === undefined ? 'n/a' : ((pgDbCpu1 - pgDbCpu0) / N).toFixed(2)} ms)`,
      !bareBefore || !bareAfter
        ? 'bare nodemailer pool: skipped'
        : `bare nodemailer pool (${POOL} connections, nothing stored): ${bareBefore.rate.toFixed(0)} msgs/s before, ${bareAfter.rate.toFixed(0)} after (mean ${bare.toFixed(0)}); CPU ${((bareBefore.cpuPerMsg + bareAfter.cpuPerMsg) / 2).toFixed(2)} ms per message, smtp-sink ${((bareBefore.sinkCpuPerMsg + bareAfter.sinkCpuPerMsg) / 2).toFixed(2)} ms`,
      SKIP_BASELINE ? '' : `ratio end-to-end / bare: ${(e2e / bare).toFixed(2)}  (target ≥ 0.80)`,
      postfix
        ? `Postfix relay: ${postfix.rate.toFixed(0)} msgs/s (CPU ${postfix.cpuPerMsg.toFixed(2)} ms per message, all Postfix processes); Mailroom end-to-end / Postfix relay: ${(e2e / postfix.rate).toFixed(2)}×\n` +
          `  beside it: all ${N} accepted by its smtpd in ${postfix.acceptSecs.toFixed(2)} s, delivered in ${postfix.secs.toFixed(2)} s; the submitting pool ${postfix.clientCpuPerMsg.toFixed(2)} ms, smtp-sink ${postfix.sinkCpuPerMsg.toFixed(2)} ms per message; ${(postfix.reusedShare * 100).toFixed(0)}% of its deliveries reused a cached connection`
        : '',
    ];
    process.stdout.write(lines.filter(Boolean).join('\n') + '\n');
  } finally {
    sink.stop();
    await mr?.stop();
  }
}

await main();
