import { afterAll, beforeAll, expect, it } from 'vitest';
import { newId } from '../../src/core/kernel/ids.js';
import { newDelivery } from '../../src/core/webhooks/delivery-queue.js';
import { ATTEMPT_DEADLINE_MS } from '../../src/webhooks/http-transport.js';
import type { WebhookRunner } from '../../src/webhooks/runner.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startSlowWebhookReceiver, type SlowWebhookReceiver } from '../helpers/slow-webhook-receiver.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Stopping does not wait out a hanging receiver's attempt deadline: after a short grace the
 * attempt in flight is given up and its delivery goes back to the queue as not attempted (it
 * is sent again later: nothing lost), while an attempt answered within the grace is recorded.
 */
await describeEachDialect('stopping the webhook worker with attempts in flight', (dialect) => {
  let t: TestApp;
  let receiver: SlowWebhookReceiver;
  let runner: WebhookRunner;
  const api = async (method: string, url: string, payload?: object) => t.request({ method: method as 'GET', url: `/api/v1${url}`, ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    receiver = await startSlowWebhookReceiver();
    t = await startTestApp(dialect, { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    runner = await t.app.startWebhooks({ pollMs: 100 });
  });
  afterAll(async () => {
    await receiver?.stop();
    await t?.close();
  });

  it('gives up a hanging attempt after the grace: the delivery is pending again, unattempted', async () => {
    const created = (await api('POST', '/webhooks', { url: receiver.url, events: ['message.sent'] })).json();
    receiver.secrets = [created.secret];
    receiver.behave = () => ({ kind: 'hang' });
    const repos = t.app.ports.ctx.store.repos;
    const now = t.app.ports.ctx.clock.now();
    const event = { id: newId('evt', now), type: 'message.sent', messageId: null, at: now, data: '{}' };
    await repos.eventJournal.append([event], { read: true });
    const delivery = newDelivery(created.id, event, now);
    await repos.webhookDeliveries.insert([delivery]);
    await expect.poll(() => receiver.received.length, { timeout: 10_000, interval: 20 }).toBe(1);

    await runner.stop();
    const stoppedAt = Date.now();
    expect(stoppedAt).toBeLessThan(receiver.received[0].receivedAt + ATTEMPT_DEADLINE_MS);
    await expect.poll(() => receiver.received[0].abandonedAt, { timeout: 5_000, interval: 20 }).not.toBeNull();
    expect(await repos.webhookDeliveries.get(delivery.id)).toMatchObject({ status: 'pending', attemptCount: 0, leaseOwner: null, leaseUntil: null });
    expect(await repos.webhookDeliveries.attempts(delivery.id)).toEqual([]);
  });
});
