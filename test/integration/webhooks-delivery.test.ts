import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/kernel/clock.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startSmtpServer, type SmtpPeer } from '../helpers/diagnostics-peers.js';
import { haveSmtpSink, startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

/**
 * The proof, on both dialects: a real receiver verifies every request with the
 * `standardwebhooks` library; sent, failed and deferred events (from three Postfix smtp-sinks:
 * one accepting, one answering 5xx, one 4xx) arrive signed; a receiver that is down for a while
 * gets every event once it is back, each delivered once.
 */
const sinkOk = haveSmtpSink();

await describeEachDialect('webhooks: signed events from real deliveries', (dialect) => {
  if (!sinkOk) return;
  // Near real time: the library refuses timestamps more than 5 minutes away from its clock.
  const clock = new ManualClock(Date.now());
  let t: TestApp;
  let accepting: SmtpSink;
  let hard: SmtpSink;
  let soft: SmtpSink;
  /** Accepts every recipient but refused@example.net (550 5.1.1): a message partly delivered. */
  let partial: SmtpPeer;
  let receiver: WebhookReceiver;
  let endpoint: { id: string; secret: string };
  const accounts: Record<'ok' | 'hard' | 'soft' | 'partial', string> = { ok: '', hard: '', soft: '', partial: '' };

  const api = async (method: string, url: string, payload?: object) => t.request({ method: method as 'GET', url: `/api/v1${url}`, ...(payload ? { payload } : {}) });
  const send = async (via: keyof typeof accounts, subject: string) => {
    const res = await api('POST', '/messages', { accountId: accounts[via], to: [`${via}@example.net`], subject, text: 'x' });
    expect(res.statusCode).toBe(202);
    return res.json().id as string;
  };
  const eventsFor = (messageId: string) => receiver.delivered().filter((w) => w.data?.messageId === messageId);

  beforeAll(async () => {
    accepting = await startSmtpSink();
    hard = await startSmtpSink(['-f', 'RCPT', '-B', '550 5.1.1 No such user here']);
    soft = await startSmtpSink(['-r', 'RCPT']);
    receiver = await startWebhookReceiver();
    t = await startTestApp(dialect, { clock, env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    partial = await startSmtpServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      onRcptTo(address, _session, cb) {
        if (address.address !== 'refused@example.net') return cb();
        cb(Object.assign(new Error('5.1.1 No such user'), { responseCode: 550 }));
      },
    });
    for (const [name, sink] of [['ok', accepting], ['hard', hard], ['soft', soft], ['partial', partial]] as const) {
      const server = (await api('POST', '/servers', { name, smtp: { host: '127.0.0.1', port: sink.port, security: 'none', requireTls: false } })).json();
      accounts[name] = (await api('POST', '/accounts', { serverId: server.id, address: `${name}@example.com` })).json().id;
    }
    const created = await api('POST', '/webhooks', { url: receiver.url, events: ['message.sent', 'message.deferred', 'message.failed'], description: 'orders service' });
    expect(created.statusCode).toBe(201);
    endpoint = created.json();
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    receiver.secrets = [endpoint.secret];
    await t.app.startDelivery();
    await t.app.startWebhooks({ pollMs: 100 });
  });

  afterAll(async () => {
    await t?.close();
    await receiver?.stop();
    for (const s of [accepting, hard, soft, partial]) await s?.stop();
  });

  it('sent, failed and deferred events arrive, each signed so that standardwebhooks verifies it', async () => {
    const sent = await send('ok', 'welcome');
    const failed = await send('hard', 'no such user');
    const deferred = await send('soft', 'try later');
    await expect.poll(() => [sent, failed, deferred].map((id) => eventsFor(id).length > 0), { timeout: 20_000, interval: 100 }).toEqual([true, true, true]);

    const [s] = eventsFor(sent);
    expect(s.type).toBe('message.sent');
    expect(s.id).toMatch(/^evt_/);
    expect(s.signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    // No purpose given: null, as GET /messages/:id answers it (it was "" in payloads only).
    expect(s.data).toMatchObject({ messageId: sent, status: 'sent', purpose: null, attemptCount: 1, reason: null, recipients: [{ address: 'ok@example.net', status: 'accepted', code: 250 }] });
    const [f] = eventsFor(failed);
    expect(f.type).toBe('message.failed');
    expect(f.data).toMatchObject({ messageId: failed, status: 'failed', recipients: [{ address: 'hard@example.net', status: 'rejected', code: 550 }] });
    expect(f.data.reason).toContain('No such user');
    const [d] = eventsFor(deferred);
    expect(d.type).toBe('message.deferred');
    expect(d.data.status).toBe('deferred');
    expect(Date.parse(d.data.nextAttemptAt)).toBeGreaterThan(clock.now());
    expect(d.data.recipients[0]).toMatchObject({ address: 'soft@example.net', status: 'deferred' });
    // Nothing unsigned or badly signed ever reached the receiver.
    expect(receiver.received.every((w) => w.verifiedWith.length === 1)).toBe(true);

    // The log says the same: one successful attempt each, with the receiver's status (recorded
    // just after the receiver answered).
    await expect.poll(async () => (await api('GET', `/webhooks/${endpoint.id}/deliveries?status=succeeded`)).json().items.length, { timeout: 10_000 }).toBe(3);
    const log = (await api('GET', `/webhooks/${endpoint.id}/deliveries`)).json();
    expect(log.items.map((i: { eventType: string }) => i.eventType).sort()).toEqual(['message.deferred', 'message.failed', 'message.sent']);
    for (const item of log.items) expect(item).toMatchObject({ status: 'succeeded', attemptCount: 1, lastStatusCode: 204, nextAttemptAt: null });
    const detail = (await api('GET', `/webhooks/${endpoint.id}/deliveries/${log.items[0].id}`)).json();
    expect(detail.webhookId).toMatch(/^evt_/);
    expect(detail.payload.type).toBe(log.items[0].eventType);
    expect(detail.attempts).toEqual([expect.objectContaining({ outcome: 'succeeded', statusCode: 204 })]);
    expect(typeof detail.attempts[0].durationMs).toBe('number');
  });

  it('a message partly delivered is message.sent, naming the recipient refused for good (docs/webhooks.md)', async () => {
    const res = await api('POST', '/messages', { accountId: accounts.partial, to: ['kept@example.net', 'refused@example.net'], subject: 'partly', text: 'x' });
    expect(res.statusCode).toBe(202);
    const id = res.json().id as string;
    await expect.poll(() => eventsFor(id).length, { timeout: 20_000, interval: 100 }).toBe(1);
    const [e] = eventsFor(id);
    expect(e.type).toBe('message.sent');
    expect(e.data).toMatchObject({
      status: 'sent',
      recipients: [
        { address: 'kept@example.net', status: 'accepted', code: 250 },
        { address: 'refused@example.net', status: 'rejected', code: 550, enhancedCode: '5.1.1' },
      ],
    });
    expect(e.data.reason).toMatch(/^refused@example\.net: 550 5\.1\.1 No such user/);
    expect((await api('GET', `/messages/${id}`)).json()).toMatchObject({ status: 'sent', rejectedCount: 1 });
    expect(partial.messages.at(-1)?.to).toEqual(['kept@example.net']);
  });

  it('a receiver that is down for a while gets every event once it is back, each delivered once', async () => {
    await receiver.stop();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await send('ok', `while down ${i}`));
    // Every one of them was tried and refused, and waits for its retry.
    await expect
      .poll(async () => (await api('GET', `/webhooks/${endpoint.id}/deliveries?status=pending`)).json().items.filter((i: { attemptCount: number }) => i.attemptCount >= 1).length, { timeout: 20_000, interval: 100 })
      .toBe(5);
    const pending = (await api('GET', `/webhooks/${endpoint.id}/deliveries?status=pending`)).json().items;
    expect(pending[0].lastError).toMatch(/connection refused/);
    const health = (await api('GET', `/webhooks/${endpoint.id}`)).json().health;
    expect(health).toMatchObject({ state: 'failing', pending: 5 });
    expect(health.consecutiveFailures).toBeGreaterThanOrEqual(5);

    await receiver.start();
    // The first retry is due 5 s (± 20 %) after the failure; its success brings the others forward.
    clock.advance(7_000);
    await expect.poll(() => ids.map((id) => eventsFor(id).length), { timeout: 20_000, interval: 100 }).toEqual([1, 1, 1, 1, 1]);
    await expect.poll(async () => (await api('GET', `/webhooks/${endpoint.id}/deliveries?status=pending,sending`)).json().items.length, { timeout: 10_000 }).toBe(0);
    // Nothing arrives twice: every webhook-id once among the deliveries that succeeded.
    const seen = receiver.delivered().map((w) => w.id);
    expect(new Set(seen).size).toBe(seen.length);
    expect((await api('GET', `/webhooks/${endpoint.id}`)).json().health).toMatchObject({ state: 'healthy', consecutiveFailures: 0, firstFailureAt: null });
  });
});
