import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { WebhookRunner } from '../../src/webhooks/runner.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { haveSmtpSink, startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

/**
 * With no webhook endpoint (most installs), outcomes write nothing to the journal and the worker
 * looks at it about once a second, not after every commit of outcomes; an endpoint created
 * through the API wakes it at once, so its first event arrives without waiting for the (long) poll.
 */
const sinkOk = haveSmtpSink();
const N = 200;

await describeEachDialect('webhooks: idle without an endpoint', (dialect) => {
  if (!sinkOk) return;
  let t: TestApp;
  let sink: SmtpSink;
  let receiver: WebhookReceiver;
  let runner: WebhookRunner;
  let accountId = '';
  let sent = 0;
  const rounds: number[] = [];

  const api = async (method: string, url: string, payload?: object) => t.request({ method: method as 'GET', url: `/api/v1${url}`, ...(payload ? { payload } : {}) });
  const send = async (subject: string) => {
    const res = await api('POST', '/messages', { accountId, to: ['someone@example.net'], subject, text: 'x' });
    expect(res.statusCode).toBe(202);
    return res.json().id as string;
  };
  // Counted without the repository's unread(): on PostgreSQL that locks the rows (FOR UPDATE SKIP
  // LOCKED), and a fan-out running at the same moment would skip them and wait for the 60 s poll.
  const unread = async () => (await t.app.infra.db.selectFrom('event_journal').select('id').where('pending', '=', 1).execute()).length;

  beforeAll(async () => {
    sink = await startSmtpSink();
    receiver = await startWebhookReceiver();
    t = await startTestApp(dialect, { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    const server = (await api('POST', '/servers', { name: 'sink', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', requireTls: false } })).json();
    accountId = (await api('POST', '/accounts', { serverId: server.id, address: 'app@example.com' })).json().id;
    t.app.ports.ctx.events.subscribe(() => void sent++, ['message.sent']);
    await t.app.startDelivery();
    // A poll far longer than the test: every round comes from a wake-up or the recheck.
    runner = await t.app.startWebhooks({ pollMs: 60_000 });
    const round = (runner as unknown as { round: () => Promise<number> }).round.bind(runner);
    vi.spyOn(runner as unknown as { round: () => Promise<number> }, 'round').mockImplementation(() => {
      rounds.push(performance.now());
      return round();
    });
  });

  afterAll(async () => {
    await t?.close();
    await receiver?.stop();
    await sink?.stop();
  });

  it(`${N} messages sent with no endpoint: nothing is journaled, and the worker looks about once a second, not once per commit`, async () => {
    const start = performance.now();
    for (let i = 0; i < N; i++) await send(`no endpoint ${i}`);
    await expect.poll(() => sent, { timeout: 60_000, interval: 50 }).toBe(N);
    // Nothing would read the entries but to delete them (EventJournalRepository.append).
    expect(await unread()).toBe(0);
    expect((await t.app.infra.db.selectFrom('event_journal').select('id').execute()).length).toBe(0);
    // The worker's first look (at its start) found no endpoint: the commits' wake-ups wait for
    // the once-a-second recheck, which does come.
    await expect.poll(() => rounds.length, { timeout: 5_000, interval: 50 }).toBeGreaterThan(0);
    // At most one round per second since the sending began (plus a few), where each commit of
    // outcomes used to start one.
    const seconds = Math.ceil((performance.now() - start) / 1_000);
    expect(rounds.length).toBeLessThanOrEqual(seconds + 4);
  });

  it('an endpoint created through the API wakes the worker at once; its first event arrives well before the poll', async () => {
    const before = rounds.length;
    const created = await api('POST', '/webhooks', { url: receiver.url, events: ['message.sent'] });
    expect(created.statusCode).toBe(201);
    receiver.secrets = [created.json().secret];
    // Nothing was journaled: without the endpoint's wake-up no round would run before the poll (60 s).
    await expect.poll(() => rounds.length, { timeout: 5_000, interval: 20 }).toBeGreaterThan(before);

    const startedAt = performance.now();
    const id = await send('with an endpoint');
    await expect.poll(() => receiver.delivered().filter((w) => w.data?.messageId === id).length, { timeout: 10_000, interval: 20 }).toBe(1);
    expect(performance.now() - startedAt).toBeLessThan(10_000);
    expect(receiver.delivered().filter((w) => w.data?.messageId === id)[0].type).toBe('message.sent');
  });
});
