import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

/**
 * A test event and a replay queue a delivery without an event, so nothing woke the webhook worker:
 * they went out at its next poll (a second by default, longer where it is set so). Now they go
 * out at once: here the worker polls once a minute, and each must arrive within seconds.
 */
await describeEachDialect('webhooks: a test event and a replay are sent at once, not at the next poll', (dialect) => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let endpointId: string;

  const arrivals = async (count: number) => {
    const until = Date.now() + 10_000;
    while (receiver.received.length < count && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    return receiver.received.length;
  };

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    t = await startTestApp(dialect, { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    const created = await t.request({ method: 'POST', url: '/api/v1/webhooks', payload: { url: receiver.url, events: ['message.sent'] } });
    expect(created.statusCode).toBe(201);
    endpointId = created.json().id;
    receiver.secrets = [created.json().secret];
    // Started after the endpoint exists: the first round has read it, the next poll is a minute away.
    await t.app.startWebhooks({ pollMs: 60_000 });
    await new Promise((r) => setTimeout(r, 200));
  });

  afterAll(async () => {
    await t?.close();
    await receiver?.stop();
  });

  it('a test event arrives within seconds', async () => {
    const res = await t.request({ method: 'POST', url: `/api/v1/webhooks/${endpointId}/test` });
    expect(res.statusCode).toBe(202);
    expect(await arrivals(1)).toBe(1);
    expect(receiver.received[0]!.type).toBe('webhook.test');
    expect(receiver.received[0]!.verifiedWith).toEqual([0]);
  });

  it('a replay of that delivery arrives within seconds', async () => {
    // The receiver's answer is recorded just after it arrived.
    let delivered: { id: string } | undefined;
    for (const until = Date.now() + 10_000; !delivered && Date.now() < until; await new Promise((r) => setTimeout(r, 20))) {
      const deliveries = await t.request({ method: 'GET', url: `/api/v1/webhooks/${endpointId}/deliveries` });
      delivered = deliveries.json().items.find((d: { status: string }) => d.status === 'succeeded');
    }
    expect(delivered).toBeDefined();
    const replay = await t.request({ method: 'POST', url: `/api/v1/webhooks/${endpointId}/deliveries/${delivered!.id}/replay` });
    expect(replay.statusCode).toBe(202);
    expect(await arrivals(2)).toBe(2);
    expect(receiver.received[1]!.id).toBe(receiver.received[0]!.id);
  });
});
