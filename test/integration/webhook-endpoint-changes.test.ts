import { afterAll, beforeAll, expect, it } from 'vitest';
import { newId } from '../../src/core/kernel/ids.js';
import { newDelivery } from '../../src/core/webhooks/delivery-queue.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startSlowWebhookReceiver, type SlowWebhookReceiver } from '../helpers/slow-webhook-receiver.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * What the runner holds for an endpoint (requests in flight, deliveries claimed ahead) follows
 * the endpoint as it changes: once a DELETE or a switch-off has answered, no new request starts
 * and the ones in flight are abandoned (a switched-off endpoint's deliveries wait, none lost); a
 * new URL or a rotated secret applies to every delivery not yet started.
 */
const SLOW_MS = 2_500;

await describeEachDialect('webhook endpoint changes reach the deliveries the runner holds', (dialect) => {
  let t: TestApp;
  const receivers: SlowWebhookReceiver[] = [];
  const api = async (method: string, url: string, payload?: object) => t.request({ method: method as 'GET', url: `/api/v1${url}`, ...(payload ? { payload } : {}) });

  /** `n` deliveries of new events to the endpoint, due now. */
  async function queue(endpointId: string, n: number): Promise<void> {
    const repos = t.app.ports.ctx.store.repos;
    const now = t.app.ports.ctx.clock.now();
    const events = Array.from({ length: n }, (_, i) => ({ id: newId('evt', now), type: 'message.sent', messageId: null, at: now, data: `{"n":${i}}` }));
    await repos.eventJournal.append(events, { read: true });
    await repos.webhookDeliveries.insert(events.map((e) => newDelivery(endpointId, e, now)));
  }

  /**
   * An endpoint whose receiver first answers at once (the runner learns its pace and claims
   * ahead), then takes SLOW_MS per answer, with `n` more deliveries queued: returns once two
   * requests (the endpoint's limit here) are in flight, the rest held by the runner.
   */
  async function slowEndpoint(n: number) {
    const receiver = await startSlowWebhookReceiver();
    receivers.push(receiver);
    const created = (await api('POST', '/webhooks', { url: receiver.url, events: ['message.sent'] })).json();
    receiver.secrets = [created.secret];
    await queue(created.id, 4);
    await expect.poll(async () => (await api('GET', `/webhooks/${created.id}/deliveries?status=succeeded`)).json().items.length, { timeout: 10_000, interval: 50 }).toBe(4);
    receiver.behave = () => ({ kind: 'answer', status: 204, afterMs: SLOW_MS });
    await queue(created.id, n);
    await expect.poll(() => receiver.received.length, { timeout: 10_000, interval: 20 }).toBe(6);
    return { receiver, id: created.id as string, version: created.version as number, secret: created.secret as string };
  }

  /** Waits until every request the receiver got has ended, then a while longer for any request that would follow. */
  async function settle(receiver: SlowWebhookReceiver): Promise<void> {
    await expect.poll(() => receiver.received.every((r) => r.answeredAt !== null || r.abandonedAt !== null), { timeout: 25_000, interval: 50 }).toBe(true);
    await new Promise((r) => setTimeout(r, 800));
  }

  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    await t.app.startWebhooks({ pollMs: 100, perEndpoint: 2 });
  });
  afterAll(async () => {
    await t?.close();
    for (const r of receivers) await r.stop();
  });

  it('a deleted endpoint gets no request once the DELETE answered, and its requests in flight are abandoned', async () => {
    const e = await slowEndpoint(20);
    const del = await api('DELETE', `/webhooks/${e.id}`);
    expect(del.statusCode).toBe(204);
    const deletedAt = Date.now();
    await settle(e.receiver);
    expect(e.receiver.received.filter((r) => r.receivedAt > deletedAt)).toEqual([]);
    // The two in flight were given up, not waited out.
    expect(e.receiver.received.slice(4).map((r) => r.abandonedAt !== null)).toEqual([true, true]);
    const log = t.logLines.join('');
    expect(log).not.toContain('another worker has it');
    expect(log).toContain('webhook endpoint deleted');
  });

  it('a switched-off endpoint gets no request once the PATCH answered; its deliveries wait and are all sent when it is switched on', async () => {
    const e = await slowEndpoint(20);
    const off = await api('PATCH', `/webhooks/${e.id}`, { enabled: false, version: e.version });
    expect(off.statusCode).toBe(200);
    const offAt = Date.now();
    await settle(e.receiver);
    expect(e.receiver.received.filter((r) => r.receivedAt > offAt)).toEqual([]);
    expect(e.receiver.received.slice(4).map((r) => r.abandonedAt !== null)).toEqual([true, true]);
    // Nothing lost, nothing counted as an attempt: all 20 wait, none held by the runner.
    await expect.poll(async () => (await api('GET', `/webhooks/${e.id}/deliveries?status=sending`)).json().items.length, { timeout: 5_000, interval: 50 }).toBe(0);
    const waiting = (await api('GET', `/webhooks/${e.id}/deliveries?status=pending&limit=100`)).json().items as { attemptCount: number }[];
    expect(waiting).toHaveLength(20);
    expect(waiting.every((d) => d.attemptCount === 0)).toBe(true);
    expect(t.logLines.join('')).toContain('webhook endpoint switched off');

    e.receiver.behave = () => ({ kind: 'answer', status: 204 });
    expect((await api('PATCH', `/webhooks/${e.id}`, { enabled: true, version: off.json().version })).statusCode).toBe(200);
    await expect.poll(async () => (await api('GET', `/webhooks/${e.id}/deliveries?status=succeeded&limit=100`)).json().items.length, { timeout: 15_000, interval: 100 }).toBe(24);
    const answered = new Set(e.receiver.received.filter((r) => r.answeredAt !== null && r.verifiedWith.length > 0).map((r) => r.id));
    expect(answered.size).toBe(24);
  });

  it('a new URL and a rotated secret apply to every delivery not yet started', async () => {
    const e = await slowEndpoint(10);
    const moved = await startSlowWebhookReceiver();
    receivers.push(moved);
    const patched = await api('PATCH', `/webhooks/${e.id}`, { url: moved.url, version: e.version });
    expect(patched.statusCode).toBe(200);
    const movedAt = Date.now();
    const rotated = await api('POST', `/webhooks/${e.id}/rotate-secret`, { graceSec: 0 });
    expect(rotated.statusCode).toBe(200);
    moved.secrets = [e.secret, rotated.json().secret];
    // The two in flight at the old URL finish there; the other eight go to the new one, signed with the new secret only.
    await expect.poll(() => moved.received.length, { timeout: 20_000, interval: 50 }).toBe(8);
    await settle(e.receiver);
    expect(e.receiver.received.filter((r) => r.receivedAt > movedAt)).toEqual([]);
    expect(moved.received.map((r) => r.verifiedWith)).toEqual(Array.from({ length: 8 }, () => [1]));
    await expect.poll(async () => (await api('GET', `/webhooks/${e.id}/deliveries?status=succeeded&limit=100`)).json().items.length, { timeout: 10_000, interval: 100 }).toBe(14);
  });
});
