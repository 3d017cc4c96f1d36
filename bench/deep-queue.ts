/**
 * npm run bench:queued -- [--messages 1000000] [--postgres URL] [--calls 50] [--idle-secs 20] [--run-secs 60] [--strip-secs 40]
 *
 * Deep queue: does `mailroom start` stay small and its API fast with a million messages queued?
 *
 * Mailroom has no "pause delivery" switch, so the queue is one that waits for its time: a
 * report scheduled a day ahead (sendAt, the way an application queues a campaign for
 * tomorrow) is accepted by the API, then copied `--messages` times straight into the database
 * while Mailroom is stopped (bench/clone-messages.ts: the accepted row with a new id, subject
 * "Weekly report <n>" and recipient user<n % 10000>@example.net each). Every copy is `queued`,
 * none is due, so nothing is sent and the figures are the queue's weight alone.
 *
 * Then `mailroom start` again, and:
 * - its RSS right after start, after `--idle-secs` idle (with its CPU over them: what waiting
 *   costs), and after `--run-secs` of running; the peak (VmHWM) over all of it;
 * - on SQLite, how long the subject search index takes to catch up with the copies (they went
 *   past it, as messages stored before an upgrade do): once, at the start, before the idle time;
 * - p50/p99 of `--calls` sequential calls (fewer when a call is slow: at most ~20 s each) of
 *   GET /api/v1/messages: the first page, a cursor page half-way down, status=queued (first
 *   and deep), purpose=, recipient=, q= (a rare subject text and a common one), and the admin
 *   UI's status strip GET /api/v1/messages/stats and GET /metrics (the outbox gauges).
 * - after those readings, while the admin UI's status strip polls (GET /messages/stats every 10 s,
 *   as the UI does) for `--strip-secs`: p50/p99/max of the first page, asked every 50 ms beside
 *   it, and the RSS after. A count of a deep queue that held the event loop would show here as
 *   every request's wait.
 * Targets (issue 17): RSS under 250 MB, pages under 100 ms. From source Mailroom runs under
 * tsx, whose compiler is in the RSS: the empty-queue RSS of the same process is printed beside
 * it, and BENCH_FROM_DIST=1 runs the build instead (`npx tsc -p tsconfig.build.json` first).
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { statSync } from 'node:fs';
import { arg, countArg, cpuMs, peakRssMiB, userCpuMs } from './peers.js';
import { withMailroomAndSink, type MailroomProcess } from './mailroom-process.js';
import { acceptScheduledReport, cloneMessages } from './clone-messages.js';
import { loadLine, rssMiB, sleep, summary, summaryLine } from './latency.js';

const COUNT = countArg('messages', 1000000);
const PG_URL = arg('postgres', '');
const CALLS = countArg('calls', 50);
const IDLE_SECS = Number(arg('idle-secs', '20'));
const RUN_SECS = Number(arg('run-secs', '60'));
const STRIP_SECS = Number(arg('strip-secs', '40'));
const PER_ENDPOINT_MS = 20_000;
/** How often the admin UI's status strip asks for the outbox's counts (web/src/features/outbox/QueueStatus.tsx). */
const STRIP_POLL_MS = 10_000;
const TEMPLATE_ADDRESS = 'template@example.net';

/** An id half-way down the log (a cursor a reader paging back would reach), and the storage size. */
async function inspect(mr: MailroomProcess): Promise<{ deepId: string; sizeMiB: number }> {
  const offset = Math.floor(COUNT / 2);
  if (mr.databaseUrl) {
    const c = new pg.Client({ connectionString: mr.databaseUrl });
    await c.connect();
    try {
      const deepId = (await c.query('select id from messages order by id desc limit 1 offset $1', [offset])).rows[0].id as string;
      const size = Number((await c.query('select pg_database_size(current_database()) as n')).rows[0].n);
      return { deepId, sizeMiB: size / 2 ** 20 };
    } finally {
      await c.end();
    }
  }
  const db = new Database(mr.sqlitePath, { readonly: true, fileMustExist: true });
  try {
    const deepId = (db.prepare('select id from messages order by id desc limit 1 offset ?').get(offset) as { id: string }).id;
    return { deepId, sizeMiB: statSync(mr.sqlitePath).size / 2 ** 20 };
  } finally {
    db.close();
  }
}

/** SQLite: waits until the subject search index holds every message; how long that took and its CPU. */
async function awaitSearchIndex(mr: MailroomProcess, pid: number): Promise<{ secs: number; cpuMs: number; rows: number }> {
  const t0 = performance.now();
  const cpu0 = cpuMs(pid) ?? 0;
  const db = new Database(mr.sqlitePath, { readonly: true, fileMustExist: true });
  try {
    const behind = () => db.prepare("select (select max(rowid) from messages) - (select upto from search_progress where name = 'message_subject') as n").get() as { n: number };
    const rows = behind().n;
    while (behind().n > 0) await sleep(250);
    return { secs: (performance.now() - t0) / 1000, cpuMs: (cpuMs(pid) ?? 0) - cpu0, rows };
  } finally {
    db.close();
  }
}

async function timeCalls(mr: MailroomProcess, url: string): Promise<{ line: string; p99: number; items?: number }> {
  const ms: number[] = [];
  const t0 = performance.now();
  let items: number | undefined;
  let failure: string | undefined;
  while (ms.length < CALLS && (ms.length < 5 || performance.now() - t0 < PER_ENDPOINT_MS)) {
    const s = performance.now();
    const res = await mr.api('GET', url);
    ms.push(performance.now() - s);
    if (res.status !== 200) failure ??= `${res.status} ${res.body.slice(0, 200)}`;
    else if (items === undefined && url.startsWith('/api/v1/messages') && !url.startsWith('/api/v1/messages/')) items = (JSON.parse(res.body) as { items: unknown[] }).items.length;
  }
  const p99 = summary(ms).p99;
  return { line: `${summaryLine(ms)}${items === undefined ? '' : `, ${items} items`}${failure ? `, FAILED: ${failure}` : ''}`, p99, items };
}

/** The first page every 50 ms for `secs`, while the status strip polls beside it: what a count costs other requests. */
async function pagesWhileStripPolls(mr: MailroomProcess, secs: number): Promise<string> {
  const ms: number[] = [];
  let stripCalls = 0;
  let refused = 0;
  const until = performance.now() + secs * 1000;
  const strip = (async () => {
    while (performance.now() < until) {
      if ((await mr.api('GET', '/api/v1/messages/stats')).status !== 200) refused++;
      stripCalls++;
      await sleep(Math.min(STRIP_POLL_MS, Math.max(0, until - performance.now())));
    }
  })();
  while (performance.now() < until) {
    const s = performance.now();
    if ((await mr.api('GET', '/api/v1/messages')).status !== 200) refused++;
    ms.push(performance.now() - s);
    await sleep(50);
  }
  await strip;
  return `first page every 50 ms for ${secs} s while the status strip polled (${stripCalls} calls, every ${STRIP_POLL_MS / 1000} s): ${summaryLine(ms)}${refused ? `, ${refused} calls NOT 200` : ''}`;
}

async function main() {
  // Nothing is due, so nothing reaches the sink; the deploy-time server needs a host all the same.
  await withMailroomAndSink({ pgUrl: PG_URL || undefined, concurrency: 4 }, async (m) => {
    const pgDb = m.pgDatabase;
    const templateId = await acceptScheduledReport(m, TEMPLATE_ADDRESS);
    // Empty queue, same process kind: what the queue adds is the difference.
    await m.api('GET', '/api/v1/messages');
    await sleep(3_000);
    const emptyRss = rssMiB(m.child.pid as number);

    const tClone = performance.now();
    let lastPrint = 0;
    let deep = { deepId: '', sizeMiB: NaN };
    await m.restart(async () => {
      await cloneMessages(m, {
        templateId,
        templateAddress: TEMPLATE_ADDRESS,
        count: COUNT,
        progress: (done) => {
          if (performance.now() - lastPrint < 10_000 && done < COUNT) return;
          lastPrint = performance.now();
          process.stderr.write(`queued ${done} of ${COUNT} (${((performance.now() - tClone) / 1000).toFixed(0)} s)\n`);
        },
      });
      deep = await inspect(m);
    });
    const cloneSecs = (performance.now() - tClone) / 1000;
    const started = performance.now();
    const pid = m.child.pid as number;
    const rssStart = rssMiB(pid);
    const load0 = loadLine();

    // SQLite: the copies went straight into the database, past the subject search index, which
    // a worker then fills at start (src/store/search-index-worker.ts), as after an upgrade. That
    // is a one-off catch-up, not what waiting costs: timed on its own, and idle starts after it.
    const catchUp = m.databaseUrl ? undefined : await awaitSearchIndex(m, pid);
    // Idle: nothing is due; whatever CPU this takes is the cost of waiting with a deep queue.
    const cpu0 = cpuMs(pid) ?? 0;
    const pgCpu0 = pgDb ? userCpuMs('postgres', pgDb) : undefined;
    await sleep(IDLE_SECS * 1000);
    const idleCpu = ((cpuMs(pid) ?? 0) - cpu0) / IDLE_SECS;
    const pgCpu1 = pgDb ? userCpuMs('postgres', pgDb) : undefined;
    const rssIdle = rssMiB(pid);

    const q = (s: string) => encodeURIComponent(s);
    const endpoints: [string, string][] = [
      ['first page', '/api/v1/messages'],
      ['page half-way down (cursor)', `/api/v1/messages?cursor=${deep.deepId}`],
      ['status=queued, first page', '/api/v1/messages?status=queued'],
      ['status=queued, half-way down', `/api/v1/messages?status=queued&cursor=${deep.deepId}`],
      ['purpose=report', '/api/v1/messages?purpose=report'],
      ['recipient= (100 of them)', `/api/v1/messages?recipient=${q('user4242@example.net')}`],
      ['q= rare subject text', `/api/v1/messages?q=${q('report 4242')}`],
      ['q= common subject text', `/api/v1/messages?q=${q('weekly')}`],
      ['GET /messages/stats (admin UI)', '/api/v1/messages/stats'],
      ['GET /metrics (outbox gauges)', '/metrics'],
    ];
    const results: string[] = [];
    const slow: string[] = [];
    for (const [name, url] of endpoints) {
      const r = await timeCalls(m, url);
      results.push(`  ${name.padEnd(32)} ${r.line}`);
      if (r.p99 >= 100) slow.push(name);
    }
    const left = RUN_SECS * 1000 - (performance.now() - started);
    if (left > 0) await sleep(left);
    const rssRun = rssMiB(pid);
    const peak = peakRssMiB(pid);
    const mib = (v: number | undefined) => (v === undefined ? 'n/a' : `${v.toFixed(0)} MiB`);
    const worst = Math.max(rssStart ?? 0, rssIdle ?? 0, rssRun ?? 0, peak ?? 0);
    // After the RSS readings: 20 requests a second for a while fill the heap with garbage that
    // V8 collects only when its old generation holds several times what is live (docs/performance.md),
    // as much with a thousand messages queued as with a million; its RSS is printed on its own.
    const stripLine = STRIP_SECS > 0 ? `${await pagesWhileStripPolls(m, STRIP_SECS)}; RSS then ${mib(rssMiB(pid))}, peak ${mib(peakRssMiB(pid))}` : undefined;

    const lines = [
      `deep queue: ${COUNT} messages queued (report, ~2 KB, scheduled a day ahead: nothing due), storage ${m.databaseUrl ? 'PostgreSQL' : 'SQLite'} (${deep.sizeMiB.toFixed(0)} MiB), copied in ${cloneSecs.toFixed(0)} s${m.databaseUrl ? ' (then VACUUM ANALYZE, as autovacuum would)' : ''}`,
      `RSS of mailroom start (${process.env.BENCH_FROM_DIST === '1' ? 'dist/' : 'from source, under tsx'}): empty queue ${mib(emptyRss)}; with the queue: after start ${mib(rssStart)}, after ${IDLE_SECS} s idle ${mib(rssIdle)}, after ${RUN_SECS} s running ${mib(rssRun)}, peak ${mib(peak)}  (target < 250 MB: ${worst * 1.048576 < 250 ? 'met' : 'MISSED'})`,
      ...(catchUp ? [`subject search index catching up with the ${catchUp.rows} copied messages (once, after the start): ${catchUp.secs.toFixed(1)} s, Mailroom CPU ${(catchUp.cpuMs / 1000).toFixed(1)} s`] : []),
      `idle CPU with nothing due${catchUp ? ' (after the catch-up)' : ''}: Mailroom ${idleCpu.toFixed(0)} ms per second${pgCpu0 !== undefined && pgCpu1 !== undefined ? `, this database's PostgreSQL backends ${((pgCpu1 - pgCpu0) / IDLE_SECS).toFixed(0)} ms per second` : ''}`,
      `GET latency over ${CALLS} sequential calls each (fewer when slow; target pages < 100 ms):`,
      ...results,
      slow.length ? `over 100 ms at p99: ${slow.join('; ')}` : 'every call under 100 ms at p99',
      ...(stripLine ? [stripLine] : []),
      `${load0} at start; ${loadLine()} at the end`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  });
}

await main();
