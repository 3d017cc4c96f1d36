/**
 * npm run bench:bulk -- [--messages 10000] [--postgres URL] [--spacing 20]
 *
 * Bulk actions under load: what an admin's "cancel all queued" and "retry all cancelled" cost
 * the applications sending meanwhile.
 *
 * A report scheduled a day ahead is accepted by the API and copied `--messages` times straight
 * into the database while Mailroom is stopped (bench/clone-messages.ts): queued, none due. Then
 * `mailroom start` again and, in order:
 * - the baseline: for 3 s, a sign-in code (purpose two_factor) accepted every `--spacing` ms,
 *   one at a time; the latency of each 202;
 * - POST /api/v1/messages/cancel {status: queued} (cancels every copy: ≤ 10,000 per call, the
 *   call repeats while `more`), with the same sign-in codes beside it;
 * - POST /api/v1/messages/retry {status: cancelled}: every copy queued again and due at once, so
 *   delivery to the sink starts while the call still runs, again with the codes beside it.
 * For each call: how long it took, how many messages it changed, and the 202 latencies of the
 * codes accepted meanwhile (p50/p99/max, and p99 as a ratio to the baseline's). Then the time
 * until every copy reached the sink.
 */
import { arg, countArg } from './peers.js';
import { withMailroomAndSink, type MailroomProcess } from './mailroom-process.js';
import { acceptScheduledReport, cloneMessages } from './clone-messages.js';
import { loadLine, sleep, summary, summaryLine } from './latency.js';

const COUNT = countArg('messages', 10000);
const PG_URL = arg('postgres', '');
const SPACING = Number(arg('spacing', '20'));
const BASELINE_MS = 3_000;
const TEMPLATE_ADDRESS = 'template@example.net';

let codeNo = 0;

/** Sign-in codes one at a time, each `SPACING` ms after the previous started, until `done()`; their 202 latencies. */
async function codesUntil(mr: MailroomProcess, done: () => boolean): Promise<{ ms: number[]; refused: number }> {
  const ms: number[] = [];
  let refused = 0;
  while (!done()) {
    const s = performance.now();
    const res = await mr.api('POST', '/api/v1/messages', { purpose: 'two_factor', to: [`signin${codeNo++}@example.net`], subject: 'Your code', text: `Code ${codeNo}` });
    const took = performance.now() - s;
    if (res.status === 202) ms.push(took);
    else refused++;
    await sleep(Math.max(0, SPACING - took));
  }
  return { ms, refused };
}

/** One bulk action (repeated while the answer says `more`) with codes accepted beside it. */
async function bulkBesideCodes(mr: MailroomProcess, action: 'cancel' | 'retry', status: string, baselineP99: number): Promise<string> {
  let finished = false;
  const codes = codesUntil(mr, () => finished);
  const t0 = performance.now();
  let count = 0;
  let calls = 0;
  try {
    for (;;) {
      calls++;
      const res = await mr.api('POST', `/api/v1/messages/${action}`, { filter: { status: [status], purpose: 'report' } });
      if (res.status !== 200) throw new Error(`${action} answered ${res.status}: ${res.body.slice(0, 300)}`);
      const r = JSON.parse(res.body) as { count: number; more: boolean };
      count += r.count;
      if (!r.more) break;
    }
  } finally {
    finished = true;
    // The codes' loop ends at its next turn; wait for it either way, so a failed call does not stop Mailroom under it.
    await codes.catch(() => undefined);
  }
  const secs = (performance.now() - t0) / 1000;
  const c = await codes;
  return [
    `POST /messages/${action}: ${count} messages in ${secs.toFixed(2)} s (${calls} call${calls === 1 ? '' : 's'}, ${(count / secs).toFixed(0)} msgs/s)`,
    `  sign-in codes accepted meanwhile: ${summaryLine(c.ms)}; p99 ${(summary(c.ms).p99 / baselineP99).toFixed(1)}× the baseline's${c.refused ? `; ${c.refused} NOT 202` : ''}`,
  ].join('\n');
}

async function main() {
  await withMailroomAndSink({ pgUrl: PG_URL || undefined, concurrency: 4 }, async (m) => {
    const templateId = await acceptScheduledReport(m, TEMPLATE_ADDRESS);
    await m.restart(() => cloneMessages(m, { templateId, templateAddress: TEMPLATE_ADDRESS, count: COUNT }));
    console.log(`messages: ${COUNT} queued reports (+1 original), storage ${m.databaseUrl ? 'PostgreSQL' : 'SQLite'}, a sign-in code every ${SPACING} ms beside each step; ${loadLine()}`);

    // Untimed: the accept path compiled before the baseline, as it is in a process that has run a while.
    const warm = performance.now() + 2_000;
    await codesUntil(m, () => performance.now() > warm);
    const until = performance.now() + BASELINE_MS;
    const base = await codesUntil(m, () => performance.now() > until);
    const baselineP99 = summary(base.ms).p99;
    console.log(`baseline (${BASELINE_MS / 1000} s, nothing else running): sign-in codes ${summaryLine(base.ms)}`);

    console.log(await bulkBesideCodes(m, 'cancel', 'queued', baselineP99));
    const sentBefore = await m.countSent();
    const t0 = performance.now();
    console.log(await bulkBesideCodes(m, 'retry', 'cancelled', baselineP99));
    while ((await m.countSent()) - sentBefore < COUNT + 1) {
      if (performance.now() - t0 > 600_000) throw new Error('the retried messages did not all reach the sink within 10 minutes');
      await sleep(100);
    }
    console.log(`every retried message sent ${((performance.now() - t0) / 1000).toFixed(2)} s after the retry call began`);
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
