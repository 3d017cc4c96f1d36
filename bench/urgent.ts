/**
 * npm run bench:urgent -- [--bulk 100000] [--bulk-via api|sql] [--urgent 100] [--spacing 50] [--warm 1000] [--postgres URL]
 *
 * Urgent behind bulk: does a two-factor code overtake a deep bulk queue that is sending?
 *
 * `mailroom start` (its own temp data dir, or a fresh PostgreSQL database) delivers to a timing
 * sink (bench/timing-sink.ts: smtp-server in a worker thread that notes when each message
 * arrived). First B bulk messages (purpose `report`, ~2 KB) are queued:
 * - `--bulk-via api` (default): POST /api/v1/messages as fast as the API takes them (64 in
 *   flight); delivery runs meanwhile, so the queue is as deep as accepting outran sending.
 * - `--bulk-via sql`: one report accepted by the API, copied B times straight into the
 *   database while Mailroom is stopped (bench/clone-messages.ts), then Mailroom starts: the
 *   whole bulk is queued and due at once, the deepest queue B can make.
 * Then, while the bulk is sending (once `--warm` bulk messages reached the sink; 0: at once,
 * which measures the first second after a start too), `--urgent` two_factor messages go one at a time, each
 * `--spacing` ms after the previous one started (or at its 202 when that is later). For each:
 * the time from its 202 (and from sending the request) to its arrival at the SMTP peer, and
 * how many bulk messages were ahead of it at its 202 (bulk accepted minus bulk arrived at the
 * sink, sampled every 50 ms: messages being sent count as ahead). Target (issue 17): p99 within
 * 200 ms of the 202 on both dialects, with 100,000 bulk messages.
 */
import { arg, countArg, body, cpuMs, peakRssMiB } from './peers.js';
import { startMailroomProcess, type MailroomProcess } from './mailroom-process.js';
import { startTimingSink, now } from './timing-sink.js';
import { cloneMessages } from './clone-messages.js';
import { loadLine, sleep, summary, summaryLine } from './latency.js';

const BULK = countArg('bulk', 100000);
const VIA = arg('bulk-via', 'api');
const URGENT = countArg('urgent', 100);
const SPACING = Number(arg('spacing', '50'));
const PG_URL = arg('postgres', '');
// The urgent messages start once this many bulk messages reached the sink: "while the bulk is
// sending" (the issue's case). 0 starts them right after `mailroom start`, cold start included.
const WARM = countArg('warm', 1000);
const CONCURRENCY = 64;
const POOL = 20;
const URGENT_PREFIX = 'urgent-';

if (VIA !== 'api' && VIA !== 'sql') throw new Error('--bulk-via is api or sql');

const report = (i: number) => ({ purpose: 'report', to: [`user${i % 10_000}@example.net`], subject: `Weekly report ${i}`, text: body(i) });

type Bulk = { secs: number; failures: number; firstFailure?: string; sendingSince: number };

async function bulkViaApi(mr: MailroomProcess, accepted: { n: number }): Promise<Bulk> {
  const t0 = performance.now();
  let next = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  const worker = async () => {
    while (next < BULK) {
      const i = next++;
      const res = await mr.api('POST', '/api/v1/messages', report(i));
      if (res.status === 202) accepted.n++;
      else {
        failures++;
        firstFailure ??= `${res.status} ${res.body.slice(0, 200)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { secs: (performance.now() - t0) / 1000, failures, firstFailure, sendingSince: t0 };
}

async function bulkViaSql(mr: MailroomProcess, accepted: { n: number }): Promise<Bulk> {
  // The template is scheduled a day ahead so it stays queued (and is not sent) while copied.
  const tpl = await mr.api('POST', '/api/v1/messages', { ...report(0), to: ['template@example.net'], sendAt: Date.now() + 86_400_000 });
  if (tpl.status !== 202) throw new Error(`template refused: ${tpl.body}`);
  const t0 = performance.now();
  await mr.restart(() => cloneMessages(mr, { templateId: JSON.parse(tpl.body).id, templateAddress: 'template@example.net', count: BULK, dueAt: Date.now() }));
  accepted.n = BULK;
  return { secs: (performance.now() - t0) / 1000, failures: 0, sendingSince: performance.now() };
}

/**
 * Each urgent message's stages as Mailroom logged them: from its creation (the accept) to its
 * attempt's start (commit, claim round, sender choice), then the attempt itself (waiting for a
 * pooled connection and the SMTP transaction). Tells which of them holds a slow tail.
 */
async function urgentStages(mr: MailroomProcess, ids: string[]) {
  const toAttempt: number[] = [];
  const attempt: number[] = [];
  for (const id of ids) {
    const res = await mr.api('GET', `/api/v1/messages/${id}`);
    if (res.status !== 200) continue;
    // Times are ISO strings in the API.
    const m = JSON.parse(res.body) as { createdAt: string; attempts: { at: string; durationMs: number }[] };
    const first = m.attempts[0];
    if (!first) continue;
    toAttempt.push(Date.parse(first.at) - Date.parse(m.createdAt));
    attempt.push(first.durationMs);
  }
  return { toAttempt, attempt };
}

async function main() {
  const sink = await startTimingSink(URGENT_PREFIX);
  let mr: MailroomProcess | undefined;
  try {
    mr = await startMailroomProcess({ sinkPort: sink.port, pool: POOL, pgUrl: PG_URL || undefined, concurrency: CONCURRENCY });
    const load0 = loadLine();
    const accepted = { n: 0 };
    const cpu0 = cpuMs(mr.child.pid as number) ?? 0;
    const bulk = VIA === 'api' ? await bulkViaApi(mr, accepted) : await bulkViaSql(mr, accepted);
    const pid = mr.child.pid as number;
    const ahead = () => accepted.n - sink.counted();
    const warmUntil = Date.now() + 120_000;
    while (sink.counted() < Math.min(WARM, accepted.n) && Date.now() < warmUntil) await sleep(5);
    const depthAtStart = ahead();

    const rows: { i: number; id: string; sent: number; acked: number; ahead: number }[] = [];
    let failures = 0;
    for (let i = 0; i < URGENT; i++) {
      const sent = now();
      const res = await mr.api('POST', '/api/v1/messages', { purpose: 'two_factor', to: [`${URGENT_PREFIX}${i}@example.net`], subject: `Your sign-in code ${i}`, text: `Your code is ${100000 + i}. It expires in 10 minutes.` });
      const acked = now();
      if (res.status !== 202) failures++;
      else rows.push({ i, id: (JSON.parse(res.body) as { id: string }).id, sent, acked, ahead: ahead() });
      await sleep(Math.max(0, sent + SPACING - now()));
    }
    const waitUntil = Date.now() + 120_000;
    while (sink.arrivals.size < rows.length && Date.now() < waitUntil) await sleep(20);
    const depthAfter = ahead();
    const stages = await urgentStages(mr, rows.map((r) => r.id));
    // Then the rest of the bulk: how fast the queue drained around the urgent mail.
    const drainUntil = Date.now() + 15 * 60_000;
    while (sink.counted() < accepted.n && Date.now() < drainUntil) await sleep(100);
    const drainSecs = (performance.now() - bulk.sendingSince) / 1000;
    const cpu = ((cpuMs(pid) ?? 0) - (VIA === 'api' ? cpu0 : 0)) / Math.max(1, sink.counted());
    const rss = peakRssMiB(pid);

    const arrived = rows.filter((r) => sink.arrivals.has(`${URGENT_PREFIX}${r.i}@example.net`));
    const fromAck = arrived.map((r) => (sink.arrivals.get(`${URGENT_PREFIX}${r.i}@example.net`) as number) - r.acked);
    const fromSend = arrived.map((r) => (sink.arrivals.get(`${URGENT_PREFIX}${r.i}@example.net`) as number) - r.sent);
    const acceptMs = rows.map((r) => r.acked - r.sent);
    const depth = summary(rows.map((r) => r.ahead));
    const p99 = summary(fromAck).p99;
    const lines = [
      `urgent behind bulk: ${BULK} bulk (report, ~2 KB) queued ${VIA === 'api' ? `through POST /api/v1/messages (${CONCURRENCY} in flight)` : 'by SQL copies of one API-accepted report, Mailroom stopped meanwhile'}, then ${URGENT} two_factor messages one at a time every ${SPACING} ms; storage ${mr.databaseUrl ? 'PostgreSQL' : 'SQLite'}, SMTP pool ${POOL}, sink: smtp-server in a worker thread of the bench`,
      VIA === 'api'
        ? `bulk accepted: ${accepted.n} in ${bulk.secs.toFixed(1)} s (${(accepted.n / bulk.secs).toFixed(0)} msgs/s${bulk.failures ? `, non-202: ${bulk.failures}, first: ${bulk.firstFailure}` : ''}); ${depthAtStart} not yet at the sink when the first urgent message went`
        : `bulk copied and Mailroom restarted in ${bulk.secs.toFixed(1)} s; ${depthAtStart} not yet at the sink when the first urgent message went`,
      ...(depthAtStart < accepted.n / 10 ? [`NOTE: delivery kept up with accepting, so the queue was shallow when the urgent messages went; --bulk-via sql queues the whole bulk at once`] : []),
      `urgent messages started ${WARM ? `once ${WARM} bulk messages had reached the sink (sending under way; --warm 0 starts them at once, cold start included)` : 'right after the start (--warm 0: cold start included)'}`,
      `bulk ahead of each urgent message at its 202: min ${depth.n ? Math.min(...rows.map((r) => r.ahead)) : 'n/a'}, median ${depth.p50}, max ${depth.max}; after the last arrived: ${depthAfter}`,
      `urgent 202 → arrival at the SMTP peer: ${summaryLine(fromAck)}  (target p99 ≤ 200 ms: ${p99 <= 200 ? 'met' : 'MISSED'})`,
      `urgent request sent → arrival:        ${summaryLine(fromSend)}`,
      `urgent accept latency (request → 202): ${summaryLine(acceptMs)}`,
      `where the time went (Mailroom's clock, from its log): created → attempt started (commit, claim, sender choice): ${summaryLine(stages.toAttempt)}; attempt (pool queue + SMTP): ${summaryLine(stages.attempt)}`,
      `urgent messages: ${URGENT} sent, ${rows.length} accepted (non-202: ${failures}), ${arrived.length} arrived within 120 s`,
      `bulk delivered: ${sink.counted()} of ${accepted.n} in ${drainSecs.toFixed(1)} s since ${VIA === 'api' ? 'the first was posted' : 'Mailroom started'} (${(sink.counted() / drainSecs).toFixed(0)} msgs/s, urgent mail included in the time)${sink.counted() < accepted.n ? ' (gave up waiting after 15 min)' : ''}; Mailroom CPU ${cpu.toFixed(2)} ms per delivered message${VIA === 'sql' ? ' (since the restart)' : ''}, peak RSS ${rss === undefined ? 'n/a' : `${rss.toFixed(0)} MiB`}`,
      `${load0} at the start; ${loadLine()} at the end`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await mr?.stop();
    await sink.stop();
  }
}

await main();
