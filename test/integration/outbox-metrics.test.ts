import Fastify from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../src/core/kernel/clock.js';
import { QueueCounts } from '../../src/core/outbox/queue-counts.js';
import { metricsRoutes } from '../../src/http/routes/metrics.js';
import { prometheusMetrics } from '../../src/metrics/prometheus.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/** The value of one sample line of the Prometheus text format, e.g. `name{status="queued"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

await describeEachDialect('outbox gauges on /metrics', (dialect) => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0));
  let t: TestApp;
  beforeAll(async () => {
    // No workers: the queue stays as the test leaves it.
    t = await startTestApp(dialect, { clock, env: { MAILROOM_MAIL_DRIVER: 'log' } });
  });
  afterAll(async () => t?.close());

  const scrape = async () => {
    const res = await t.server.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    return res.body;
  };

  it('counts waiting messages by status and says how long the oldest due one has waited', async () => {
    let text = await scrape();
    expect(sample(text, 'mailroom_outbox_messages{status="queued"}')).toBe(0);
    expect(sample(text, 'mailroom_outbox_oldest_due_seconds')).toBe(0);

    const send = (body: object) => t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['ops@example.net'], subject: 's', text: 'x', ...body } });
    expect((await send({})).statusCode).toBe(202);
    clock.advance(30_000);
    expect((await send({})).statusCode).toBe(202);
    // Scheduled for later: waiting, but not due, so it does not age the queue.
    expect((await send({ sendAt: new Date(clock.now() + 3_600_000).toISOString() })).statusCode).toBe(202);
    clock.advance(60_000);

    text = await scrape();
    expect(sample(text, 'mailroom_outbox_messages{status="queued"}')).toBe(3);
    expect(sample(text, 'mailroom_outbox_messages{status="deferred"}')).toBe(0);
    expect(sample(text, 'mailroom_outbox_messages{status="sending"}')).toBe(0);
    expect(sample(text, 'mailroom_outbox_oldest_due_seconds')).toBe(90);
    // The delivery counters and process metrics are still there beside them.
    expect(text).toContain('mailroom_messages_accepted_total');
    expect(text).toContain('mailroom_process_cpu_seconds_total');
  });

  it('counts the IMAP readers by state and says how long ago the least recently synced one synced', async () => {
    let text = await scrape();
    for (const state of ['idle', 'syncing', 'watching', 'failing']) expect(sample(text, `mailroom_inbound_mailboxes{state="${state}"}`)).toBe(0);
    expect(sample(text, 'mailroom_inbound_oldest_sync_seconds')).toBe(0);

    const mailboxes = t.app.ports.ctx.store.repos.mailboxes;
    const reader = async (accountId: string, folder: string, state: 'idle' | 'watching' | 'failing', lastSyncAt?: number) => {
      expect(await mailboxes.acquire(accountId, folder, 'metrics-test', clock.now(), clock.now() + 60_000)).toBe(true);
      await mailboxes.report(accountId, folder, { state, lastError: state === 'failing' ? 'refused' : null, failures: state === 'failing' ? 1 : 0, nextAttemptAt: null, ...(lastSyncAt !== undefined ? { lastSyncAt } : {}) }, clock.now());
    };
    await reader('acc_metrics_a', 'INBOX', 'watching', clock.now() - 20_000);
    await reader('acc_metrics_a', 'Bounces', 'failing', clock.now() - 600_000);
    // Not read any more: its old sync time is no reader falling behind.
    await reader('acc_metrics_b', 'INBOX', 'idle', clock.now() - 86_400_000);
    text = await scrape();
    expect(sample(text, 'mailroom_inbound_mailboxes{state="watching"}')).toBe(1);
    expect(sample(text, 'mailroom_inbound_mailboxes{state="failing"}')).toBe(1);
    expect(sample(text, 'mailroom_inbound_mailboxes{state="idle"}')).toBe(1);
    expect(sample(text, 'mailroom_inbound_oldest_sync_seconds')).toBe(600);
  });
});

await describeEachDialect('/metrics while the store fails or hangs', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log' } });
  });
  afterAll(async () => t?.close());

  const outboxShown = (body: string) => body.includes('mailroom_outbox_messages{status="queued"}');

  it('a store error drops the outbox gauges from that scrape, not the whole endpoint', async () => {
    // A real error from the database: the table the gauges read is gone for a moment.
    await sql`alter table messages rename to messages_away`.execute(t.app.infra.db);
    try {
      const res = await t.server.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('mailroom_process_cpu_seconds_total');
      expect(outboxShown(res.body)).toBe(false);
      expect(t.logLines.some((l) => l.includes('outbox gauges'))).toBe(true);
    } finally {
      await sql`alter table messages_away rename to messages`.execute(t.app.infra.db);
    }
    // The next scrape reads the store again (the failure is not remembered).
    await new Promise((r) => setImmediate(r));
    const res = await t.server.inject({ method: 'GET', url: '/metrics' });
    expect(outboxShown(res.body)).toBe(true);
  });

  // Only PostgreSQL can make the read wait (a lock held by another session); SQLite's WAL readers never wait.
  if (dialect === 'postgres') it('a store that does not answer delays the scrape only until the deadline', async () => {
    const server = Fastify();
    // Counts of its own: the app's may reuse the last test's count (a count that took over 50 ms,
    // as under load, is reused for twenty times as long) and answer without reading the store.
    const ctx = t.app.ports.ctx;
    const metrics = prometheusMetrics({ ctx: { ...ctx, queueCounts: new QueueCounts((now) => ctx.store.repos.messages.queueStats(now), systemClock) }, logger: t.app.logger, outboxDeadlineMs: 200 });
    await server.register(metricsRoutes({ metrics }));
    const locker = new pg.Client({ connectionString: t.databaseUrl });
    await locker.connect();
    try {
      await locker.query('begin');
      await locker.query('lock table messages in access exclusive mode');
      const res = await server.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('mailroom_process_cpu_seconds_total');
      expect(outboxShown(res.body)).toBe(false);
      await locker.query('commit');
      // Once the lock is gone the read that was waiting finishes, and scrapes show the gauges again.
      await expect.poll(async () => outboxShown((await server.inject({ method: 'GET', url: '/metrics' })).body), { timeout: 10_000 }).toBe(true);
    } finally {
      await locker.end();
      await server.close();
      metrics.close();
    }
  });
});
