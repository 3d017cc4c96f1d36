import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

/**
 * Two apps on one PostgreSQL database, as two processes would be: `api` runs no workers, so
 * its own events port wakes nobody; `worker` runs the outbox and the webhook worker, each
 * polling only every 60 s. What `api` commits reaches `worker` by NOTIFY alone: a message it
 * accepts is sent (log driver), and an event it journals (a cancel) is delivered to a webhook,
 * both well before a poll could have found them. The composition root's wiring is what is
 * tested here; the adapter's own behaviour is in pg-wake.test.ts.
 */
const POLL_MS = 60_000;
const WOKEN_WITHIN_MS = 20_000;
const pgOk = await postgresAvailable();

describe.skipIf(!pgOk)('an API-only process wakes another process\'s workers [postgres]', () => {
  let api: TestApp;
  let worker: TestApp;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    // One master key for both, as processes sharing a database must have.
    const env = { MAILROOM_SECRET_KEY: randomBytes(32).toString('base64'), MAILROOM_MAIL_DRIVER: 'log', MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' };
    api = await startTestApp('postgres', { env });
    worker = await startTestApp('postgres', { env, databaseUrl: () => api.databaseUrl! });
    receiver = await startWebhookReceiver();
    await worker.app.startDelivery({ pollMs: POLL_MS });
    await worker.app.startWebhooks({ pollMs: POLL_MS });
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await receiver?.stop();
  });

  it('sends a message the other process accepted', async () => {
    const res = await api.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['someone@example.net'], subject: 'from the api process', text: 'x' } });
    expect(res.statusCode).toBe(202);
    const { id } = res.json();
    await expect.poll(async () => (await api.request({ method: 'GET', url: `/api/v1/messages/${id}` })).json().status, { timeout: WOKEN_WITHIN_MS }).toBe('logged');
  });

  it('delivers the webhook of an event the other process journaled', async () => {
    const created = await api.request({ method: 'POST', url: '/api/v1/webhooks', payload: { url: receiver.url, events: ['message.cancelled'] } });
    expect(created.statusCode).toBe(201);
    receiver.secrets = [created.json().secret];
    // Due tomorrow: the worker leaves it queued, so it can be cancelled.
    const sendAt = new Date(Date.now() + 86_400_000).toISOString();
    const { id } = (await api.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['later@example.net'], subject: 'cancel me', text: 'x', sendAt } })).json();
    expect((await api.request({ method: 'POST', url: `/api/v1/messages/${id}/cancel` })).statusCode).toBe(200);
    await expect.poll(() => receiver.delivered().map((w) => `${w.type} ${w.data.messageId}`), { timeout: WOKEN_WITHIN_MS }).toEqual([`message.cancelled ${id}`]);
  });
});
