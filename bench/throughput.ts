/**
 * npm run bench -- [--messages 20000] [--concurrency 64] [--postgres URL [--workers N [--scale [--split] [--worker-warmup M]]] [--statements]] [--skip-baseline] [--postfix] [--template] [--events] [--webhooks]
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
 *
 * --template measures what rendering costs: three phases of N messages each against the same
 * Mailroom, untemplated / templated / untemplated. The templated phase sends
 * `{ template: "password_reset", locale, data }` (English and German alternately, a different
 * name and link per message), so every message is rendered at accept time in a render thread
 * (the parse is reused per template version). The untemplated phases send the very subject,
 * HTML and text such a render produces, as plain fields: same size, same MIME, no rendering.
 * The ratio templated / untemplated (their mean) is the cost of rendering.
 *
 * --events measures POST /events beside POST /messages in one run: three phases of N each,
 * messages / events / messages. A rule sends every `bench.event` to the holder of its `to`
 * role with the template `bench_event` (subject and text from the event's data); the message
 * phases send the same template and data through POST /messages. So the ratio events /
 * messages (their mean) is what storing the event, judging the rules and linking cost.
 *
 * --workers N (PostgreSQL) starts N `mailroom worker` processes beside `mailroom start` on the
 * same database: all of them claim and deliver (each with its own SMTP pool of the account's
 * maxConnections), the API process alone accepts. CPU per message sums every process.
 * --scale (with --workers N) measures one process and 1 + N processes in the same run, on the
 * same database: N messages by `mailroom start` alone, N with the workers beside it (started
 * and warmed up before that phase), N alone again (workers stopped); it prints the end-to-end
 * rate and the CPU per message (Mailroom's processes + this database's PostgreSQL backends)
 * of 1 + N processes against the mean of the two one-process phases. --worker-warmup M sends M
 * untimed messages once the workers are up (default 300, as the API process had before its
 * first phase): with M as large as a phase the workers are as warm as the API process is by
 * then, and the comparison is of processes that have run a while.
 * --split (with --scale) runs the middle phase as the roles a scaled-out installation would
 * split: `mailroom start --no-workers` (accepting only) beside N `mailroom worker` processes
 * (delivering only). The API process is started afresh for it (then --worker-warmup M untimed
 * messages, default 300) and for the last phase (plain `mailroom start`, then 300 as before the first).
 *
 * On a PostgreSQL whose autovacuum is off (this machine's: a test setting), the bench runs
 * ANALYZE once after the warm-up, as autovacuum's first visit would within a minute on a server
 * with the default settings (bench/pg-maintenance.ts: without it the plans kept for the prepared
 * statements are the ones made for tables of a few hundred rows), and says so in its output.
 *
 * --statements (with --postgres) prints, after each phase, what PostgreSQL ran for it by
 * statement (calls, how many were planned, planning and execution time) from
 * pg_stat_statements, which must be loaded and created in template1 (bench/pg-statements.ts).
 *
 * --webhooks also subscribes a local receiver (an HTTP server in this process that checks every
 * signature with the standardwebhooks library) to message.sent, and prints how many webhook
 * events reached it per second while the outbox was sending, beside the send rate, and when the
 * last one arrived.
 *
 * --client node sends the timed requests with node:http's keep-alive agent, as the bench did
 * before bench/lean-client.ts (whose CPU per message is much lower): to compare with earlier
 * figures, or to see what a heavier client on the same two cores takes from Mailroom.
 */
import nodemailer from 'nodemailer';
import pg from 'pg';
import { startMailroomProcess, type MailroomProcess } from './mailroom-process.js';
import { arg, body, countArg, cpuMs, peakRssMiB, startSink, userCpuMs } from './peers.js';
import { startWebhookReceiver, type WebhookReceiver } from '../test/helpers/webhook-receiver.js';
import { runPhase, type Post, type PhaseResult } from './phase.js';
import { leanClient, type LeanClient } from './lean-client.js';
import { measurePostfixRelay } from './postfix-relay.js';
import { statementCounters, statementsReport } from './pg-statements.js';
import { analyzeWithoutAutovacuum } from './pg-maintenance.js';

const N = countArg('messages', 20000);
const CONCURRENCY = countArg('concurrency', 64);
const PG_URL = arg('postgres', '');
const SKIP_BASELINE = process.argv.includes('--skip-baseline');
const POSTFIX = process.argv.includes('--postfix');
const TEMPLATE = process.argv.includes('--template');
const WEBHOOKS = process.argv.includes('--webhooks');
const EVENTS = process.argv.includes('--events');
const POOL = 20;
/** --workers N: N `mailroom worker` processes beside `mailroom start` on the same PostgreSQL. */
const WORKERS = countArg('workers', 0);
/** --statements: each phase's statements from pg_stat_statements (bench/pg-statements.ts). */
const STATEMENTS = process.argv.includes('--statements');
/** --scale: untimed messages sent once the workers are up, before the timed phase with them (default 300, as the API process had). */
const WORKER_WARMUP = countArg('worker-warmup', 300);
const SCALE = process.argv.includes('--scale');
if (SCALE && (!WORKERS || !PG_URL)) throw new Error('--scale compares one process with 1 + N: it needs --postgres URL and --workers N');
/** --split: in the scaled phase the API process accepts only (`start --no-workers`) and the workers deliver. */
const SPLIT = process.argv.includes('--split');
if (SPLIT && !SCALE) throw new Error('--split is a variant of --scale: add --scale');
if (STATEMENTS && !PG_URL) throw new Error('--statements reads pg_stat_statements: it needs --postgres URL');
/** --client node|lean: the load generator of the warm-up and the timed phases (bench/lean-client.ts). */
const CLIENT = arg('client', 'lean');
if (CLIENT !== 'lean' && CLIENT !== 'node') throw new Error(`--client is lean or node, not ${JSON.stringify(CLIENT)}`);

/** The templated message of --template: a password reset, English and German alternately. */
const templated = (i: number) => ({
  to: [`rcpt${i % 50}@example.net`],
  template: 'password_reset',
  locale: i % 2 ? 'de' : 'en',
  data: { user: { name: `User ${i}` }, reset_url: `https://app.example.com/reset?token=${i.toString(36)}-bench`, expires_in_minutes: 60 },
});

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

type RenderedPair = { subject: string; html: string; text: string }[];

/** The parts the templated message renders to (English and German), from the preview API. */
async function renderedLike(post: Parameters<typeof runPhase>[0]['post']): Promise<RenderedPair> {
  return Promise.all(
    [templated(0), templated(1)].map(async (m) => {
      const res = await post('/api/v1/templates/password_reset/preview', { locale: m.locale, data: m.data });
      if (res.status !== 200) throw new Error(`preview failed: ${res.body}`);
      return JSON.parse(res.body) as RenderedPair[number];
    }),
  );
}

/** --events: the template and rule the events phase goes through; what both kinds of phase send. */
async function setUpEvents(post: Post): Promise<void> {
  const tpl = await post('/api/v1/templates/bench_event', { name: 'Bench event', layout: null, sampleData: { subject: 's', text: 't' }, locales: { en: { subject: '{{ subject }}', text: '{{ text }}' } } }, 'PUT');
  if (tpl.status !== 200) throw new Error(`could not create the bench template: ${tpl.body}`);
  const rule = await post('/api/v1/rules', { name: 'Bench', events: ['bench.event'], recipients: { roles: ['to'] }, template: 'bench_event' });
  if (rule.status !== 201) throw new Error(`could not create the bench rule: ${rule.body}`);
}
let eventSeq = 0;
const viaMessages = (i: number) => ({ to: [`rcpt${i % 50}@example.net`], template: 'bench_event', data: { subject: `Bench ${i}`, text: body(i) } });
const viaEvents = (i: number) => ({ type: 'bench.event', id: `bench-${++eventSeq}`, data: { subject: `Bench ${i}`, text: body(i) }, recipients: { to: [`rcpt${i % 50}@example.net`] } });

/** POST /events against POST /messages end-to-end (the mean of the two message phases), and CPU. */
function eventsRatio(phases: [string, PhaseResult][]): string {
  const msgs = phases.filter(([n]) => n === 'messages').map(([, r]) => r);
  const ev = phases.find(([n]) => n === 'events')?.[1] as PhaseResult;
  const e2e = msgs.reduce((s, r) => s + r.e2eRate, 0) / msgs.length;
  const accept = msgs.reduce((s, r) => s + r.acceptRate, 0) / msgs.length;
  const cpu = msgs.reduce((s, r) => s + (r.cpuPerMsg ?? NaN), 0) / msgs.length;
  return (
    `events / messages end-to-end: ${(ev.e2eRate / e2e).toFixed(2)}  (${ev.e2eRate.toFixed(0)} vs ${e2e.toFixed(0)} msgs/s, the mean of ${msgs.map((r) => r.e2eRate.toFixed(0)).join(' and ')}; aim ≥ 0.80); accept ${(ev.acceptRate / accept).toFixed(2)}\n` +
    `  an event costs ${((ev.cpuPerMsg ?? NaN) - cpu).toFixed(2)} ms CPU more than its message alone (${(ev.cpuPerMsg ?? NaN).toFixed(2)} vs ${cpu.toFixed(2)} ms, all threads)`
  );
}

/** --scale: 1 + N processes against one process (the mean of the two one-process phases), rate and CPU per message. */
function scaleRatio(phases: [string, PhaseResult][], pgPerPhase: number[], scaled: string, xactsPerPhase: number[]): string {
  const at = (name: string) => phases.map(([n, r], i) => ({ n, r, pg: pgPerPhase[i] })).filter((p) => p.n === name);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const one = at('1 process');
  const many = at(scaled)[0];
  const e2eOne = mean(one.map((p) => p.r.e2eRate));
  const cpuOne = mean(one.map((p) => (p.r.cpuPerMsg ?? NaN) + p.pg));
  const cpuMany = (many.r.cpuPerMsg ?? NaN) + many.pg;
  return (
    `${scaled} / 1 process end-to-end: ${(many.r.e2eRate / e2eOne).toFixed(2)}  (${many.r.e2eRate.toFixed(0)} vs ${e2eOne.toFixed(0)} msgs/s, the mean of ${one.map((p) => p.r.e2eRate.toFixed(0)).join(' and ')}; target ≥ 1.00)\n` +
    `  CPU per message, Mailroom + this database's PostgreSQL backends: ${cpuMany.toFixed(2)} vs ${cpuOne.toFixed(2)} ms (${(cpuMany / cpuOne).toFixed(2)}×; target ≤ 1.00); PostgreSQL alone ${many.pg.toFixed(2)} vs ${mean(one.map((p) => p.pg)).toFixed(2)} ms\n` +
    // Each group commit is one transaction, each statement outside one another: fewer per message means bigger batches.
    `  PostgreSQL transactions per message, by phase: ${phases.map(([n], i) => `${n} ${xactsPerPhase[i].toFixed(3)}`).join(', ')}`
  );
}

/** Templated against untemplated end-to-end (the mean of the two untemplated phases), and CPU. */
function templateRatio(phases: [string, PhaseResult][]): string {
  const plain = phases.filter(([n]) => n === 'untemplated').map(([, r]) => r);
  const tpl = phases.find(([n]) => n === 'templated')?.[1] as PhaseResult;
  const e2e = plain.reduce((a, r) => a + r.e2eRate, 0) / plain.length;
  const cpu = plain.reduce((a, r) => a + (r.cpuPerMsg ?? NaN), 0) / plain.length;
  return (
    `templated / untemplated end-to-end: ${(tpl.e2eRate / e2e).toFixed(2)}  (${tpl.e2eRate.toFixed(0)} vs ${e2e.toFixed(0)} msgs/s, the mean of ${plain.map((r) => r.e2eRate.toFixed(0)).join(' and ')}; aim ≥ 0.80)
` +
    `  rendering costs ${((tpl.cpuPerMsg ?? NaN) - cpu).toFixed(2)} ms CPU per message (${(tpl.cpuPerMsg ?? NaN).toFixed(2)} vs ${cpu.toFixed(2)} ms, all threads)`
  );
}

async function main() {
  const sink = await startSink();
  let mr: MailroomProcess | undefined;
  let receiver: WebhookReceiver | undefined;
  let lean: LeanClient | undefined;
  try {
    const bareBefore = SKIP_BASELINE ? undefined : await baseline(sink.port, sink.child.pid as number);
    mr = await startMailroomProcess({
      sinkPort: sink.port,
      pool: POOL,
      pgUrl: PG_URL || undefined,
      concurrency: CONCURRENCY,
      // The webhook receiver listens on loopback: allow it (the network policy refuses loopback otherwise).
      env: WEBHOOKS ? { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } : {},
    });
    const { databaseUrl } = mr;
    if (!SCALE) for (let i = 0; i < WORKERS; i++) await mr.startWorker();
    const workerPids = () => mr?.workers.map((w) => w.pid as number) ?? [];
    const pgDb = mr.pgDatabase;
    const api = mr.api;
    const post: Post = (url, payload, method = 'POST') => api(method, url, payload);
    // What the warm-up and the timed phases send with; set-up requests use node:http.
    lean = CLIENT === 'lean' ? leanClient('127.0.0.1', mr.port, mr.key) : undefined;
    const load: Post = lean?.post ?? post;
    if (WEBHOOKS) {
      receiver = await startWebhookReceiver();
      const endpoint = await post('/api/v1/webhooks', { url: receiver.url, events: ['message.sent'] });
      if (endpoint.status !== 201) throw new Error(`could not create the webhook endpoint: ${endpoint.body}`);
      receiver.secrets = [JSON.parse(endpoint.body).secret];
    }

    if (EVENTS) await setUpEvents(post);
    // What --template's untemplated phases send: the very parts a render of the templated message makes.
    const rendered = TEMPLATE ? await renderedLike(post) : undefined;
    const plain = (i: number) => ({ to: [`rcpt${i % 50}@example.net`], subject: `Bench ${i}`, text: body(i) });
    const untemplated = (i: number) => {
      const r = (rendered as RenderedPair)[i % 2];
      return { to: [`rcpt${i % 50}@example.net`], subject: r.subject, html: r.html, text: r.text };
    };

    // Warm-up (JIT, lazily loaded modules, first pool connections, the render threads): not timed.
    const WARMUP = 300;
    const count = mr.countSent;
    /** Sends `n` untimed requests (30 at a time) and waits until their messages are sent. */
    const warmUp = async (n: number, make: (i: number) => object = plain, url = '/api/v1/messages') => {
      const before = await count();
      for (let i = 0; i < n; i += 30) await Promise.all(Array.from({ length: 30 }, (_, j) => load(url, make(i + j))));
      while ((await count()) < before + n) await new Promise((r) => setTimeout(r, 20));
    };
    const warmups: [string, (i: number) => object][] = TEMPLATE ? [['/api/v1/messages', untemplated], ['/api/v1/messages', templated]] : EVENTS ? [['/api/v1/messages', viaMessages], ['/api/v1/events', viaEvents]] : [['/api/v1/messages', plain]];
    for (const [url, make] of warmups) await warmUp(WARMUP, make, url);
    const warm = WARMUP * warmups.length;
    const analyzed = databaseUrl ? await analyzeWithoutAutovacuum(databaseUrl) : false;

    const sinkCpu0 = cpuMs(sink.child.pid as number) ?? 0;
    const pgCpu0 = databaseUrl ? userCpuMs('postgres') : undefined;
    const pgDbCpu0 = pgDb ? userCpuMs('postgres', pgDb) : undefined;
    const clientCpu0 = process.cpuUsage();
    const hooks0 = receiver?.received.length ?? 0;
    const t0Wall = Date.now();
    const phases: [string, PhaseResult][] = [];
    const scaled = SPLIT ? `API + ${WORKERS} worker${WORKERS > 1 ? 's' : ''}` : `${1 + WORKERS} processes`;
    const plan: [string, (i: number) => object][] = TEMPLATE
      ? [['untemplated', untemplated], ['templated', templated], ['untemplated', untemplated]]
      : EVENTS
        ? [['messages', viaMessages], ['events', viaEvents], ['messages', viaMessages]]
        : SCALE
          ? [['1 process', plain], [scaled, plain], ['1 process', plain]]
          : [['plain', plain]];
    /** --scale: this database's PostgreSQL CPU per message of each phase (backends of stopped workers are gone, so measured per phase). */
    const pgPerPhase: number[] = [];
    /** --scale: transactions this database committed per message of each phase (pg_stat_database, flushed by the backends within a second or so). */
    const xactsPerPhase: number[] = [];
    const statsClient = (SCALE || STATEMENTS) && databaseUrl ? new pg.Client({ connectionString: databaseUrl }) : undefined;
    await statsClient?.connect();
    // A run that fails drops its database with this connection still open: that ends it, not the bench.
    statsClient?.on('error', () => undefined);
    const statements = STATEMENTS && statsClient ? await statementCounters(statsClient) : undefined;
    const xacts = async () => {
      if (!statsClient) return NaN;
      // Backends report their counters when idle or at most once a second: wait that long first.
      await new Promise((r) => setTimeout(r, 1_500));
      await statsClient.query('select pg_stat_clear_snapshot()');
      return Number((await statsClient.query('select xact_commit + xact_rollback as n from pg_stat_database where datname = current_database()')).rows[0].n);
    };
    for (const [name, payload] of plan) {
      if (SCALE && name === scaled) {
        for (let i = 0; i < WORKERS; i++) await mr.startWorker();
        // --split: the API process starts afresh, accepting only; the workers deliver.
        if (SPLIT) await mr.restart(undefined, ['--no-workers']);
        // The new processes' first messages (JIT, pool connections) are not timed, like the API process's were not.
        await warmUp(WORKER_WARMUP);
      }
      if (SCALE && name === '1 process' && mr.workers.length) {
        await mr.stopWorkers();
        // --split: plain `mailroom start` afresh, warmed up as the first phase was.
        if (SPLIT) {
          await mr.restart();
          await warmUp(WARMUP);
        }
      }
      const x0 = await xacts();
      const statements0 = await statements?.();
      const pg0 = pgDb ? userCpuMs('postgres', pgDb) : undefined;
      phases.push([name, await runPhase({ post: load, pid: mr.child.pid as number, otherPids: workerPids(), n: N, concurrency: CONCURRENCY, payload, sentCount: count, sentBefore: await count(), url: name === 'events' ? '/api/v1/events' : undefined })]);
      const pg1 = pgDb ? userCpuMs('postgres', pgDb) : undefined;
      pgPerPhase.push(pg0 === undefined || pg1 === undefined ? NaN : (pg1 - pg0) / N);
      xactsPerPhase.push(((await xacts()) - x0) / N);
      if (statements && statements0) console.log(statementsReport(name, statements0, await statements()));
    }
    const M = N * phases.length;
    const e2eEndWall = Date.now();
    const hooksDuring = (receiver?.received.length ?? 0) - hooks0;
    const failures = phases.reduce((sum, [, r]) => sum + r.failures, 0);
    // Every event of the timed messages must arrive; then the receiver's clock says how fast.
    let hooksLine = '';
    if (receiver) {
      const r = receiver;
      const e2eSecs = (e2eEndWall - t0Wall) / 1000;
      const deadline = Date.now() + 300_000;
      while (r.received.length < warm + M - failures && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
      const timed = r.received.slice(hooks0);
      const lastAt = timed.length ? timed[timed.length - 1].receivedAt : t0Wall;
      const allSecs = (lastAt - t0Wall) / 1000;
      const unverified = r.received.filter((w) => w.verifiedWith.length !== 1).length;
      const dup = r.received.length - new Set(r.received.map((w) => w.id)).size;
      hooksLine =
        `webhooks:      ${(hooksDuring / e2eSecs).toFixed(0)} events/s delivered while the outbox sent ${(M / e2eSecs).toFixed(0)} msgs/s (${hooksDuring} of ${M} events within those ${e2eSecs.toFixed(2)} s); ` +
        `all ${timed.length} delivered ${allSecs.toFixed(2)} s after the first accept (${(timed.length / allSecs).toFixed(0)} events/s), the last ${((lastAt - e2eEndWall) / 1000).toFixed(2)} s after the last message was sent; ` +
        `signatures not verified: ${unverified}, repeated webhook-ids: ${dup}`;
    }
    const sinkCpu = ((cpuMs(sink.child.pid as number) ?? 0) - sinkCpu0) / M;
    const pgCpu1 = databaseUrl ? userCpuMs('postgres') : undefined;
    const pgDbCpu1 = pgDb ? userCpuMs('postgres', pgDb) : undefined;
    const clientUsage = process.cpuUsage(clientCpu0);
    const clientCpu = (clientUsage.user + clientUsage.system) / 1000 / M;
    const rss = peakRssMiB(mr.child.pid as number);
    await statsClient?.end();
    await mr.stop();
    const bareAfter = SKIP_BASELINE ? undefined : await baseline(sink.port, sink.child.pid as number);
    const bare = bareBefore && bareAfter ? (bareBefore.rate + bareAfter.rate) / 2 : NaN;
    const postfix = POSTFIX ? await measurePostfixRelay({ sinkPort: sink.port, sinkPid: sink.child.pid as number, messages: N, pool: POOL }) : undefined;

    const tag = TEMPLATE || EVENTS || SCALE;
    // Issue 17's targets: 0.8 over 10,000 messages on SQLite, 0.9 over 20,000; 0.7 on PostgreSQL.
    const target = databaseUrl ? 0.7 : N >= 20_000 ? 0.9 : 0.8;
    const phaseLines = (name: string, r: PhaseResult) => [
      `${tag ? `[${name}] ` : ''}accept:        ${r.acceptRate.toFixed(0)} msgs/s  (p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, non-202: ${r.failures}${r.firstFailure ? `, first: ${r.firstFailure}` : ''})`,
      `${tag ? `[${name}] ` : ''}end-to-end:    ${r.e2eRate.toFixed(0)} msgs/s  (${r.messages - r.failures} delivered to smtp-sink in ${r.e2eSecs.toFixed(2)} s; ${r.machine})`,
      `${tag ? `[${name}] ` : ''}Mailroom CPU:  ${r.cpuPerMsg === undefined ? 'n/a' : `${r.cpuPerMsg.toFixed(2)} ms per message (all threads, accept + delivery)`}`,
      `  by thread (ms per message): ${r.threads || 'n/a'}`,
      ...r.workerThreads.map((t, i) => `  worker ${i + 1} by thread: ${t || 'n/a'}`),
    ];
    const e2e = phases.reduce((sum, [, r]) => sum + r.e2eRate, 0) / phases.length;
    const lines = [
      `messages: ${N} per phase (${TEMPLATE ? `~${Math.round(JSON.stringify(untemplated(0)).length / 1024)} KB of HTML and text` : '~2 KB'}), HTTP concurrency ${CONCURRENCY}, storage ${databaseUrl ? `PostgreSQL, ${SCALE ? `1 process, then ${scaled} (mailroom start${SPLIT ? ' --no-workers' : ''} + ${WORKERS} mailroom worker), then 1 again${SPLIT ? ' (each started afresh)' : ''}` : `${1 + WORKERS} process${WORKERS ? 'es (mailroom start + ' + WORKERS + ' mailroom worker)' : ''}`}` : 'SQLite (WAL, fsync before every 202)'}, SMTP pool ${POOL}, after ${warm} untimed warm-up messages${analyzed ? " and an ANALYZE (this server's autovacuum is off; bench/pg-maintenance.ts)" : ''}`,
      ...phases.flatMap(([name, r]) => phaseLines(name, r)),
      TEMPLATE ? templateRatio(phases) : '',
      EVENTS ? eventsRatio(phases) : '',
      SCALE ? scaleRatio(phases, pgPerPhase, scaled, xactsPerPhase) : '',
      hooksLine,
      `peak RSS:      ${rss === undefined ? 'n/a' : `${rss.toFixed(0)} MiB`}`,
      `  beside it: this HTTP client (${CLIENT}) ${clientCpu.toFixed(2)} ms, smtp-sink ${sinkCpu.toFixed(2)} ms per message`,
      pgCpu0 === undefined || pgCpu1 === undefined
        ? ''
        : `PostgreSQL CPU: ${((pgCpu1 - pgCpu0) / M).toFixed(2)} ms per message (all processes of user postgres, so anything else the server runs meanwhile too; this database's backends alone ${pgDbCpu0 === undefined || pgDbCpu1 === undefined ? 'n/a' : ((pgDbCpu1 - pgDbCpu0) / M).toFixed(2)} ms)`,
      !bareBefore || !bareAfter
        ? 'bare nodemailer pool: skipped'
        : `bare nodemailer pool (${POOL} connections, nothing stored): ${bareBefore.rate.toFixed(0)} msgs/s before, ${bareAfter.rate.toFixed(0)} after (mean ${bare.toFixed(0)}); CPU ${((bareBefore.cpuPerMsg + bareAfter.cpuPerMsg) / 2).toFixed(2)} ms per message, smtp-sink ${((bareBefore.sinkCpuPerMsg + bareAfter.sinkCpuPerMsg) / 2).toFixed(2)} ms`,
      SKIP_BASELINE ? '' : `ratio end-to-end / bare: ${(e2e / bare).toFixed(2)}  (target ≥ ${target.toFixed(2)}${TEMPLATE ? '; mean of the phases, whose messages are larger than the bare pool’s 2 KB' : ''})`,
      postfix
        ? `Postfix relay: ${postfix.rate.toFixed(0)} msgs/s (CPU ${postfix.cpuPerMsg.toFixed(2)} ms per message, all Postfix processes); Mailroom end-to-end / Postfix relay: ${(e2e / postfix.rate).toFixed(2)}×\n` +
          `  beside it: all ${N} accepted by its smtpd in ${postfix.acceptSecs.toFixed(2)} s, delivered in ${postfix.secs.toFixed(2)} s; the submitting pool ${postfix.clientCpuPerMsg.toFixed(2)} ms, smtp-sink ${postfix.sinkCpuPerMsg.toFixed(2)} ms per message; ${(postfix.reusedShare * 100).toFixed(0)}% of its deliveries reused a cached connection`
        : '',
    ];
    process.stdout.write(lines.filter(Boolean).join('\n') + '\n');
  } finally {
    lean?.close();
    await receiver?.stop();
    sink.stop();
    await mr?.stop();
  }
}

await main();
