import { afterAll, beforeAll, expect, it } from 'vitest';
import { newId } from '../../src/core/kernel/ids.js';
import { newDelivery } from '../../src/core/webhooks/delivery-queue.js';
import { ATTEMPT_DEADLINE_MS } from '../../src/webhooks/http-transport.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startSlowWebhookReceiver, type SlowWebhookReceiver } from '../helpers/slow-webhook-receiver.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A few receivers that hang do not hold up every other endpoint's webhooks until their
 * attempts time out: two that answered quickly before they hung (the runner had learnt to send
 * them several at once) and one that hangs from its first request, with more than the process's
 * slots of work between them, while a healthy endpoint's events arrive meanwhile.
 */
await describeEachDialect('webhook request slots shared fairly among endpoints', (dialect) => {
  let t: TestApp;
  const receivers: SlowWebhookReceiver[] = [];
  const api = async (method: string, url: string, payload?: object) => t.request({ method: method as 'GET', url: `/api/v1${url}`, ...(payload ? { payload } : {}) });

  async function queue(endpointId: string, n: number): Promise<void> {
    const repos = t.app.ports.ctx.store.repos;
    const now = t.app.ports.ctx.clock.now();
    const events = Array.from({ length: n }, (_, i) => ({ id: newId('evt', now), type: 'message.sent', messageId: null, at: now, data: `{"n":${i}}` }));
    await repos.eventJournal.append(events, { read: true });
    await repos.webhookDeliveries.insert(events.map((e) => newDelivery(endpointId, e, now)));
  }

  async function endpoint() {
    const receiver = await startSlowWebhookReceiver();
    receivers.push(receiver);
    const created = (await api('POST', '/webhooks', { url: receiver.url, events: ['message.sent'] })).json();
    receiver.secrets = [created.secret];
    return { receiver, id: created.id as string };
  }

  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    await t.app.startWebhooks({ pollMs: 100, maxInFlight: 8, perEndpoint: 4 });
  });
  afterAll(async () => {
    // Hung requests fail at once when their receivers go: the runner stops without waiting them out.
    for (const r of receivers) await r.stop();
    await t?.close();
  });

  it('a healthy endpoint gets all its events while hanging ones hold their requests', async () => {
    const hanging = [await endpoint(), await endpoint()];
    for (const h of hanging) {
      await queue(h.id, 6);
      await expect.poll(async () => (await api('GET', `/webhooks/${h.id}/deliveries?status=succeeded`)).json().items.length, { timeout: 10_000, interval: 50 }).toBe(6);
      h.receiver.behave = () => ({ kind: 'hang' });
    }
    const fresh = await endpoint();
    fresh.receiver.behave = () => ({ kind: 'hang' });
    for (const h of [...hanging, fresh]) await queue(h.id, 8);
    const hung = () => [...hanging, fresh].flatMap((h) => h.receiver.received.filter((r) => r.behaviour.kind === 'hang'));
    await expect.poll(() => hung().length, { timeout: 10_000, interval: 20 }).toBeGreaterThanOrEqual(6);
    const firstHung = Math.min(...hung().map((r) => r.receivedAt));

    const healthy = await endpoint();
    await queue(healthy.id, 10);
    await expect.poll(() => healthy.receiver.received.filter((r) => r.answeredAt !== null && r.verifiedWith.length > 0).length, { timeout: 12_000, interval: 50 }).toBe(10);
    // All of it before any hanging attempt could have timed out: the hung requests are all still open.
    expect(Math.max(...healthy.receiver.received.map((r) => r.receivedAt))).toBeLessThan(firstHung + ATTEMPT_DEADLINE_MS);
    expect(hung().every((r) => r.abandonedAt === null && r.answeredAt === null)).toBe(true);
    await expect.poll(async () => (await api('GET', `/webhooks/${healthy.id}/deliveries?status=succeeded`)).json().items.length, { timeout: 5_000, interval: 50 }).toBe(10);
  });
});
