import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LISTENER_APPLICATION_NAME } from '../../src/store/postgres/pg-wake.js';
import { runCli, startCli, type RunningMailroom } from '../helpers/cli.js';
import { createPostgresDatabase, postgresAvailable } from '../helpers/dialects.js';
import { haveSmtpSink, startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';

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
  let sink: SmtpSink;
  let db: { url: string; drop(): Promise<void> };
  let admin: pg.Client;
  let dataDir: string;
  let worker: RunningMailroom | undefined;
  const secretKey = randomBytes(32).toString('base64');

  const env = () => ({
    DATABASE_URL: db.url,
    MAILROOM_DATA_DIR: dataDir,
    MAILROOM_SECRET_KEY: secretKey,
    MAILROOM_ADMIN_EMAIL: 'admin@example.com',
    MAILROOM_ADMIN_PASSWORD: 'notify-test-password',
    MAILROOM_SMTP_HOST: '127.0.0.1',
    MAILROOM_SMTP_PORT: String(sink.port),
    MAILROOM_SMTP_SECURITY: 'none',
    MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com',
    MAILROOM_MAIL_FROM_NAME: 'App',
    MAILROOM_OUTBOX_POLL_MS: String(POLL_MS),
  });
  const subjects = () => sink.messages().map((d) => /^Subject: (.*)$/m.exec(d)?.[1]);
  /** Milliseconds from each `mailroom send` exiting to its message at the sink (printed, not asserted; it exits after its NOTIFY, so the worker may be faster). */
  const latencies: number[] = [];
  const sendAndAwait = async (subject: string) => {
    const r = await runCli(['send', '--to', 'someone@example.net', '--subject', subject, '--text', 'hello'], env());
    expect(r.code, r.stderr).toBe(0);
    const committed = Date.now();
    await expect.poll(() => subjects().includes(subject), { timeout: WOKEN_WITHIN_MS }).toBe(true);
    latencies.push(Date.now() - committed);
  };
  const listeners = async () =>
    (await admin.query<{ pid: number }>('select pid from pg_stat_activity where application_name = $1 and datname = current_database()', [LISTENER_APPLICATION_NAME])).rows.map((r) => r.pid);

  beforeAll(async () => {
    sink = await startSmtpSink();
    db = await createPostgresDatabase();
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-notify-'));
  });
  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await admin?.end();
    await db?.drop();
    await sink?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('sends a message committed by `mailroom send` long before its next poll, and again after its LISTEN connection was cut', async () => {
    // `mailroom start` puts the deploy-time server and account in place (a worker does not); then only the worker runs.
    const first = await startCli(env());
    await first.stop();
    worker = await startCli(env(), 90_000, 'worker');
    // The stopped process's backend may linger for a moment.
    await expect.poll(listeners, { timeout: 10_000 }).toHaveLength(1);

    // The first message may be found by the worker's first round; the second arrives while it
    // sits in a 60 s idle wait that began after it sent the first.
    await sendAndAwait('notify 0');
    await sendAndAwait('notify 1');

    const [cut] = await listeners();
    await admin.query('select pg_terminate_backend($1)', [cut]);
    await expect.poll(async () => (await listeners()).filter((pid) => pid !== cut).length, { timeout: 15_000 }).toBe(1);
    await sendAndAwait('notify 2');
    expect(subjects()).toEqual(['notify 0', 'notify 1', 'notify 2']);
    console.log(`[notify] from \`mailroom send\` exiting to the sink (worker polling every ${POLL_MS} ms): ${latencies.join(', ')} ms`);
    const outageLines = worker.stdout().split('\n').filter((l) => l.includes('LISTEN connection to PostgreSQL is gone'));
    expect(outageLines).toHaveLength(1);
    expect(worker.child.exitCode).toBeNull();
  }, 120_000);
});
