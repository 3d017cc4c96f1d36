/**
 * npm run bench:paced -- [--rate 500] [--seconds 20] [--postgres URL [--workers N]] [--no-closed] [--closed-concurrency 64] [--warmup 300]
 *
 * Paced load: POST /api/v1/messages at a fixed rate (open loop: request i starts at
 * t0 + i / rate whatever the earlier ones are doing, as independent clients would), for
 * `--seconds` (default 500/s × 20 s = 10,000 messages of ~2 KB) against `mailroom start` in
 * front of Postfix's smtp-sink, delivery running. Accept latency is measured from each
 * request's scheduled start, so a client that fell behind schedule (this process busy) counts
 * against the figure instead of hiding it; the lag of actual starts is printed beside it, and
 * Mailroom's own view from its /metrics histogram (from reading the request's headers to the
 * answer's last byte; a request's wait in the socket before that is the client's figure only).
 * The first two seconds are also shown apart, the client's share within 20 ms and Mailroom's own
 * (a scrape of /metrics at second 2): a fresh process's tail is there, and the two shares say
 * whether it answered late or the requests waited to be read. Beside them, how much of that time
 * Mailroom's main thread ran and how much it was ready but waited for a core (bench/main-thread-wait.ts).
 * Target (issue 17): p99 under 20 ms on SQLite. Beside it a probe times the disk's own fsyncs
 * (bench/disk-probe.ts): a virtual disk's occasional stalls of a few hundred milliseconds hold
 * every commit, and so every 202, and the line says when they came.
 *
 * --warmup N: untimed messages before the paced phase (default 300, as `npm run bench`). The
 * first seconds of a fresh process are its slowest (V8 still compiling the hot paths, the heap
 * still growing): with a few thousand the figure is a warm process's.
 *
 * --workers N (with --postgres): N `mailroom worker` processes beside `mailroom start`, started
 * before the warm-up; the CPU line then adds theirs and this database's PostgreSQL backends'
 * (what a paced load, not a saturating one, costs a scaled-out installation per message).
 *
 * Then, unless --no-closed, the same number of messages closed loop (`--closed-concurrency`
 * requests in flight, the next one when one answers, like `npm run bench`): its rate is what
 * the API can take at most, its latency what a saturated API answers.
 */
import { analyzeWithoutAutovacuum } from './pg-maintenance.js';
import { arg, body, countArg, cpuMs, peakRssMiB, startSink, userCpuMs } from './peers.js';
import { startMailroomProcess, type MailroomProcess } from './mailroom-process.js';
import { runPhase } from './phase.js';
import { acceptBuckets, answeredBetween, loadLine, serverSideLine, sleep, summaryLine } from './latency.js';
import { startDiskProbe } from './disk-probe.js';
import { mainThreadShares, mainThreadTimes, type MainThreadTimes } from './main-thread-wait.js';
import { tmpdir } from 'node:os';

const RATE = Number(arg('rate', '500'));
const SECONDS = Number(arg('seconds', '20'));
const PG_URL = arg('postgres', '');
const CLOSED = !process.argv.includes('--no-closed');
const CLOSED_CONCURRENCY = countArg('closed-concurrency', 64);
const N = Math.round(RATE * SECONDS);
const POOL = 20;
const WARMUP = countArg('warmup', 300);
const WORKERS = countArg('workers', 0);
/** The first seconds of the paced phase, shown apart (a fresh process's slowest). */
const EARLY_SECONDS = 2;
if (WORKERS && !PG_URL) throw new Error('--workers N needs --postgres URL (processes share the outbox through PostgreSQL)');

const message = (i: number) => ({ to: [`rcpt${i % 50}@example.net`], subject: `Bench ${i}`, text: body(i) });

async function paced(mr: MailroomProcess, first: number) {
  const fromSchedule: number[] = [];
  const fromStart: number[] = [];
  const lags: number[] = [];
  // Latency from the schedule by the second it was due in: whether the tail is the first
  // seconds (a cold process) or spread over the run (stalls).
  const bySecond: number[][] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  let maxInFlight = 0;
  let inFlight = 0;
  const interval = 1000 / RATE;
  const pending: Promise<void>[] = [];
  const t0 = performance.now() + 50;
  for (let i = 0; i < N; ) {
    const t = performance.now();
    // Every request whose time has come starts now (several when this loop woke late).
    while (i < N && t0 + i * interval <= t) {
      const due = t0 + i * interval;
      const started = performance.now();
      lags.push(started - due);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      pending.push(
        mr.api('POST', '/api/v1/messages', message(first + i)).then((res) => {
          const done = performance.now();
          inFlight--;
          fromSchedule.push(done - due);
          (bySecond[Math.floor((due - t0) / 1000)] ??= []).push(done - due);
          fromStart.push(done - started);
          if (res.status !== 202) {
            failures++;
            firstFailure ??= `${res.status} ${res.body.slice(0, 200)}`;
          }
        }),
      );
      i++;
    }
    if (i < N) await sleep(Math.max(0, t0 + i * interval - performance.now()));
  }
  const sentSecs = (performance.now() - t0) / 1000;
  await Promise.all(pending);
  return { fromSchedule, fromStart, lags, failures, firstFailure, maxInFlight, sentSecs, bySecond };
}

async function main() {
  const sink = await startSink();
  let mr: MailroomProcess | undefined;
  try {
    // Sockets enough for the open loop: a slow answer must not hold the next request back.
    mr = await startMailroomProcess({ sinkPort: sink.port, pool: POOL, pgUrl: PG_URL || undefined, concurrency: 1024 });
    const m = mr;
    const pid = m.child.pid as number;
    for (let i = 0; i < WORKERS; i++) await m.startWorker();
    const workerPids = m.workers.map((w) => w.pid as number);
    const workersCpu = () => workerPids.reduce((sum, p) => sum + (cpuMs(p) ?? 0), 0);
    const pgDb = m.pgDatabase;
    for (let i = 0; i < WARMUP; i += 30) await Promise.all(Array.from({ length: 30 }, (_, j) => m.api('POST', '/api/v1/messages', message(i + j))));
    while ((await m.countSent()) < WARMUP) await sleep(20);
    const analyzed = m.databaseUrl ? await analyzeWithoutAutovacuum(m.databaseUrl) : false;
    const load0 = loadLine();

    const cpu0 = cpuMs(pid) ?? 0;
    const workersCpu0 = workersCpu();
    const pgCpu0 = pgDb ? userCpuMs('postgres', pgDb) : undefined;
    // SQLite's data is in a temp directory (startMailroomProcess): the probe fsyncs on its file system.
    const probe = startDiskProbe(tmpdir());
    const answered0 = acceptBuckets((await m.api('GET', '/metrics')).body);
    const t0 = performance.now();
    // A look at Mailroom's own view after the first seconds, which are a fresh process's slowest:
    // whether their tail is Mailroom answering late or requests waiting to be read.
    const sched0 = mainThreadTimes(pid);
    let sched1: MainThreadTimes | undefined;
    const early = sleep(EARLY_SECONDS * 1000).then(async () => {
      sched1 = mainThreadTimes(pid);
      return acceptBuckets((await m.api('GET', '/metrics')).body);
    });
    const p = await paced(m, WARMUP);
    const acceptSecs = (performance.now() - t0) / 1000;
    const sched2 = mainThreadTimes(pid);
    const answered1 = await early;
    const answered2 = acceptBuckets((await m.api('GET', '/metrics')).body);
    const serverSide = serverSideLine(answered0, answered2);
    const clientWithin20 = (l: number[]) => (l.length ? `${((100 * l.filter((ms) => ms <= 20).length) / l.length).toFixed(2)} %` : 'n/a (no accepts)');
    const earlyLine =
      `the first ${EARLY_SECONDS} s: the client saw ${clientWithin20(p.bySecond.slice(0, EARLY_SECONDS).flat())} within 20 ms, the rest ${clientWithin20(p.bySecond.slice(EARLY_SECONDS).flat())}; ` +
      `Mailroom's own view, first ${answeredBetween(answered0, answered1)}, then ${answeredBetween(answered1, answered2)}`;
    const disk = await probe.stop();
    while ((await m.countSent()) < WARMUP + N - p.failures) await sleep(20);
    const e2eSecs = (performance.now() - t0) / 1000;
    const cpu = ((cpuMs(pid) ?? 0) - cpu0) / N;
    const workersPerMsg = (workersCpu() - workersCpu0) / N;
    const pgCpu1 = pgDb ? userCpuMs('postgres', pgDb) : undefined;
    const pgPerMsg = pgCpu0 === undefined || pgCpu1 === undefined ? undefined : (pgCpu1 - pgCpu0) / N;
    const cpuLine = WORKERS
      ? `Mailroom CPU ${(cpu + workersPerMsg).toFixed(2)} ms per message (mailroom start ${cpu.toFixed(2)}, ${WORKERS} worker${WORKERS > 1 ? 's' : ''} ${workersPerMsg.toFixed(2)}; all threads)`
      : `Mailroom CPU ${cpu.toFixed(2)} ms per message (all threads, accept + delivery)`;
    const p99 = [...p.fromSchedule].sort((a, b) => a - b)[Math.min(N - 1, Math.floor(0.99 * N))];

    const lines = [
      `paced load: ${N} messages (~2 KB) at ${RATE} requests/s for ${SECONDS} s, open loop; storage ${m.databaseUrl ? `PostgreSQL${WORKERS ? `, mailroom start + ${WORKERS} mailroom worker` : ''}` : 'SQLite (WAL, fsync before every 202)'}, SMTP pool ${POOL}, after ${WARMUP} untimed warm-up messages${analyzed ? " and an ANALYZE (this server's autovacuum is off; bench/pg-maintenance.ts)" : ''}`,
      `accept latency from the scheduled start: ${summaryLine(p.fromSchedule)}  (target p99 < 20 ms${m.databaseUrl ? ', set for SQLite' : ''}: ${p99 < 20 ? 'met' : 'MISSED'})`,
      `accept latency from the actual start:    ${summaryLine(p.fromStart)}`,
      serverSide,
      earlyLine,
      `Mailroom's main thread (Linux's schedstat): the first ${EARLY_SECONDS} s ${mainThreadShares(sched0, sched1, EARLY_SECONDS * 1000)}; the rest ${mainThreadShares(sched1, sched2, acceptSecs * 1000 - EARLY_SECONDS * 1000)}`,
      `client start lag behind schedule:         ${summaryLine(p.lags)}; at most ${p.maxInFlight} requests in flight`,
      `p99 from the schedule by second of the run (ms): ${p.bySecond.map((l) => [...l].sort((a, b) => a - b)[Math.floor(0.99 * (l.length - 1))].toFixed(0)).join(' ')}`,
      `the disk meanwhile (a 4 KB write + fsync every 20 ms beside Mailroom, bench/disk-probe.ts): p50 ${disk.p50.toFixed(2)} ms, p99 ${disk.p99.toFixed(1)} ms, max ${disk.max.toFixed(0)} ms over ${disk.count} fsyncs; ` +
        (disk.stalls.length ? `${disk.stalls.length} over 50 ms, at second ${disk.stalls.map((s) => `${s.atSec.toFixed(1)} (${s.ms.toFixed(0)} ms)`).join(', ')}: every 202 waits for its commit's fsync, so a stall of the disk is one of every request then` : 'none over 50 ms'),
      `requests started over ${p.sentSecs.toFixed(2)} s (${(N / p.sentSecs).toFixed(0)}/s), all answered after ${acceptSecs.toFixed(2)} s; non-202: ${p.failures}${p.firstFailure ? `, first: ${p.firstFailure}` : ''}`,
      `delivered to smtp-sink: all ${N - p.failures} ${e2eSecs.toFixed(2)} s after the first request (${((N - p.failures) / e2eSecs).toFixed(0)} msgs/s); ${cpuLine}${pgPerMsg === undefined ? '' : `; this database's PostgreSQL backends ${pgPerMsg.toFixed(2)} ms`}`,
    ];
    if (CLOSED) {
      const r = await runPhase({ post: (url, payload) => m.api('POST', url, payload), pid, otherPids: workerPids, n: N, concurrency: CLOSED_CONCURRENCY, payload: (i) => message(WARMUP + N + i), sentCount: m.countSent, sentBefore: await m.countSent() });
      lines.push(
        `closed loop, same ${N} messages, ${CLOSED_CONCURRENCY} in flight: accept ${r.acceptRate.toFixed(0)} msgs/s (p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, non-202: ${r.failures}), end-to-end ${r.e2eRate.toFixed(0)} msgs/s, CPU ${r.cpuPerMsg?.toFixed(2) ?? 'n/a'} ms per message`,
      );
    }
    const rss = peakRssMiB(pid);
    lines.push(`peak RSS: ${rss === undefined ? 'n/a' : `${rss.toFixed(0)} MiB`}`, `${load0} before the paced phase; ${loadLine()} at the end`);
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    sink.stop();
    await mr?.stop();
  }
}

await main();
