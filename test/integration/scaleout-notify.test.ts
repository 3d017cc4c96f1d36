import { describe, expect, it } from 'vitest';
import { runCli, startCli, type RunningMailroom } from '../helpers/cli.js';
import { postgresAvailable } from '../helpers/dialects.js';
import { scaleOutFixture } from '../helpers/scaleout.js';
import { haveSmtpSink } from '../helpers/smtp-sink.js';

/**
 * Processes on one PostgreSQL wake each other: a message committed by one process (here
 * `mailroom send`, which runs no dispatcher at all) is sent by a `mailroom worker` whose poll
 * interval is 60 s, well within that time, so only the NOTIFY can have woken it. Then the
 * worker's LISTEN connection is terminated on the server: it comes back (one warning in the
 * log) and the next message wakes it as promptly.
 */
const POLL_MS = 60_000;
/** Well below POLL_MS: a delivery within this time was woken, not polled. */
const WOKEN_WITHIN_MS = 20_000;
const pgOk = await postgresAvailable();
const sinkOk = haveSmtpSink();

describe.skipIf(!pgOk || !sinkOk)('mailroom worker woken by another process over LISTEN/NOTIFY [postgres]', () => {
  const f = scaleOutFixture('notify', { MAILROOM_OUTBOX_POLL_MS: String(POLL_MS) });
  const { env, subjects, listeners } = f;
  let worker: RunningMailroom | undefined;
  /** Milliseconds from each `mailroom send` exiting to its message at the sink (printed, not asserted; it exits after its NOTIFY, so the worker may be faster). */
  const latencies: number[] = [];
  const sendAndAwait = async (subject: string) => {
    const r = await runCli(['send', '--to', 'someone@example.net', '--subject', subject, '--text', 'hello'], env());
    expect(r.code, r.stderr).toBe(0);
    const committed = Date.now();
    await expect.poll(() => subjects().includes(subject), { timeout: WOKEN_WITHIN_MS }).toBe(true);
    latencies.push(Date.now() - committed);
  };

  it('sends a message committed by `mailroom send` long before its next poll, and again after its LISTEN connection was cut', async () => {
    // `mailroom start` puts the deploy-time server and account in place (a worker does not); then only the worker runs.
    const first = await startCli(env());
    await first.stop();
    worker = await startCli(env(), 90_000, 'worker');
    f.running.push(worker);
    // The stopped process's backend may linger for a moment.
    await expect.poll(listeners, { timeout: 10_000 }).toHaveLength(1);

    // The first message may be found by the worker's first round; the second arrives while it
    // sits in a 60 s idle wait that began after it sent the first.
    await sendAndAwait('notify 0');
    await sendAndAwait('notify 1');

    const [cut] = await listeners();
    await f.admin.query('select pg_terminate_backend($1)', [cut]);
    await expect.poll(async () => (await listeners()).filter((pid) => pid !== cut).length, { timeout: 15_000 }).toBe(1);
    await sendAndAwait('notify 2');
    // Each once. Not in arrival order: smtp-sink names its dumps by the second and a random
    // suffix, so two messages of the same second list in either order (on a fast machine the
    // first two arrive within one).
    expect([...subjects()].sort()).toEqual(['notify 0', 'notify 1', 'notify 2']);
    console.log(`[notify] from \`mailroom send\` exiting to the sink (worker polling every ${POLL_MS} ms): ${latencies.join(', ')} ms`);
    const outageLines = worker.stdout().split('\n').filter((l) => l.includes('LISTEN connection to PostgreSQL is gone'));
    expect(outageLines).toHaveLength(1);
    expect(worker.child.exitCode).toBeNull();
  }, 120_000);
});
