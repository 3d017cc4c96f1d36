import { afterAll, beforeAll, expect, it } from 'vitest';
import { newId } from '../../src/core/kernel/ids.js';
import { newDelivery } from '../../src/core/webhooks/delivery-queue.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startSlowWebhookReceiver, type SlowWebhookReceiver } from '../helpers/slow-webhook-receiver.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * "A success is any 2xx answer" (docs/webhooks.md), also when the answer's body is slow to come:
 * a receiver that sends 200 and its headers at once, then one byte a second for a minute, has its
 * event delivered — once, with the status recorded and the cut-off body noted in the excerpt —
 * and Mailroom closes the connection instead of reading on.
 */
await describeEachDialect('a 2xx answer whose body trickles in', (dialect) => {
  let t: TestApp;
  let receiver: SlowWebhookReceiver;
  const api = async (method: string, url: string, payload?: object) => t.request({ method: method as 'GET', url: `/api/v1${url}`, ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    receiver = await startSlowWebhookReceiver();
    t = await startTestApp(dialect, { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    await t.app.startWebhooks({ pollMs: 100 });
  });
  afterAll(async () => {
    await receiver?.stop();
    await t?.close();
  });

  it('is a success judged by its status; the excerpt says the body was cut off and the connection is closed', async () => {
    const created = (await api('POST', '/webhooks', { url: receiver.url, events: ['message.sent'] })).json();
    receiver.secrets = [created.secret];
    receiver.behave = () => ({ kind: 'trickle', status: 200, everyMs: 1_000, bytes: 60 });
    const repos = t.app.ports.ctx.store.repos;
    const now = t.app.ports.ctx.clock.now();
    const event = { id: newId('evt', now), type: 'message.sent', messageId: null, at: now, data: '{}' };
    await repos.eventJournal.append([event], { read: true });
    const delivery = newDelivery(created.id, event, now);
    await repos.webhookDeliveries.insert([delivery]);

    await expect.poll(async () => (await api('GET', `/webhooks/${created.id}/deliveries/${delivery.id}`)).json().status, { timeout: 12_000, interval: 100 }).toBe('succeeded');
    const d = (await api('GET', `/webhooks/${created.id}/deliveries/${delivery.id}`)).json();
    expect(d).toMatchObject({ attemptCount: 1, lastStatusCode: 200, lastError: null });
    expect(d.attempts).toHaveLength(1);
    expect(d.attempts[0]).toMatchObject({ outcome: 'succeeded', statusCode: 200, error: null });
    expect(d.attempts[0].responseExcerpt).toMatch(/^\.*… \(cut off: the rest of the answer did not arrive within \d+ s\)$/);
    // Mailroom hung up rather than reading on for a minute.
    await expect.poll(() => receiver.received[0]?.abandonedAt ?? null, { timeout: 5_000, interval: 50 }).not.toBeNull();
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0].verifiedWith).toEqual([0]);
    expect((await api('GET', `/webhooks/${created.id}`)).json().health).toMatchObject({ state: 'healthy', consecutiveFailures: 0 });
  });
});
