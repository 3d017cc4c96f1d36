import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/kernel/clock.js';
import { newDelivery, PULL_FORWARD_CHUNK } from '../../src/core/webhooks/delivery-queue.js';
import type { WebhookRunner } from '../../src/webhooks/runner.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

/**
 * An endpoint back after a long outage has more waiting retries than one transaction makes due
 * (they move a chunk per commit, so that SQLite's event loop is never held for the whole
 * backlog): every one of them becomes due — when a delivery succeeds again, and when an admin
 * switches the endpoint back on — and reaches the receiver without waiting out its backoff.
 */
await describeEachDialect('an endpoint\'s backlog made due in chunks', (dialect) => {
  const clock = new ManualClock(Date.now());
  const BACKLOG = PULL_FORWARD_CHUNK * 2 + 7;
  let t: TestApp;
  let receiver: WebhookReceiver;
  let runner: WebhookRunner;
  const api = async (method: string, url: string, payload?: object) => t.request({ method: method as 'GET', url: `/api/v1${url}`, ...(payload ? { payload } : {}) });

  /** A failing test delivery, then `BACKLOG` more of its event waiting an hour: the outage. */
  async function outage(endpointId: string): Promise<void> {
    receiver.reply = () => ({ status: 503 });
    const deliveryId = (await api('POST', `/webhooks/${endpointId}/test`)).json().deliveryId as string;
    await runner.drain();
    const failed = (await api('GET', `/webhooks/${endpointId}/deliveries/${deliveryId}`)).json();
    expect(failed).toMatchObject({ status: 'pending', attemptCount: 1 });
    const later = clock.now() + 3_600_000;
    const waiting = Array.from({ length: BACKLOG }, () => ({ ...newDelivery(endpointId, { id: failed.eventId, type: failed.eventType }, clock.now()), nextAttemptAt: later }));
    await t.app.ports.ctx.store.repos.webhookDeliveries.insert(waiting);
  }

  const pendingOf = async (endpointId: string) => (await api('GET', `/webhooks/${endpointId}`)).json().health.pending as number;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    t = await startTestApp(dialect, { clock, env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    runner = await t.app.startWebhooks({ loop: false });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.stop();
  });

  it('when a delivery succeeds again, every waiting retry is delivered at once', { timeout: 60_000 }, async () => {
    const e = (await api('POST', '/webhooks', { url: receiver.url, events: ['message.sent'] })).json();
    receiver.secrets = [e.secret];
    await outage(e.id);
    expect(await pendingOf(e.id)).toBe(BACKLOG + 1);
    receiver.received.length = 0;
    receiver.reply = () => ({ status: 204 });
    // The first retry of the failed test delivery is due after its backoff; the hour is not.
    clock.advance(60_000);
    await runner.drain();
    expect(receiver.delivered()).toHaveLength(BACKLOG + 1);
    expect(await pendingOf(e.id)).toBe(0);
    await api('DELETE', `/webhooks/${e.id}`);
  });

  it('when an admin switches the endpoint on again, every waiting retry is delivered at once', { timeout: 60_000 }, async () => {
    const e = (await api('POST', '/webhooks', { url: receiver.url, events: ['message.sent'] })).json();
    receiver.secrets = [e.secret];
    await outage(e.id);
    const off = (await api('PATCH', `/webhooks/${e.id}`, { enabled: false, version: e.version })).json();
    receiver.received.length = 0;
    receiver.reply = () => ({ status: 204 });
    expect((await api('PATCH', `/webhooks/${e.id}`, { enabled: true, version: off.version })).statusCode).toBe(200);
    await runner.drain();
    expect(receiver.delivered()).toHaveLength(BACKLOG + 1);
    expect(await pendingOf(e.id)).toBe(0);
    await api('DELETE', `/webhooks/${e.id}`);
  });
});
