import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/kernel/clock.js';
import { newId } from '../../src/core/kernel/ids.js';
import { newDelivery } from '../../src/core/webhooks/delivery-queue.js';
import type { DeliveryRecord } from '../../src/core/webhooks/ports.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Replaying an endpoint's failed deliveries in bulk (POST /webhooks/:id/deliveries/replay, ≤ 10,000
 * per call) over more deliveries than one transaction takes: each failed one is replayed once,
 * one already replayed is skipped, and an application's message accepted during the call is
 * answered before it ends (on SQLite the whole call once held the event loop).
 */
const COUNT = 1_200;

await describeEachDialect('webhook bulk replay in chunks', (dialect) => {
  let t: TestApp;
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 8));
  let endpointId = '';
  const failed: DeliveryRecord[] = [];

  const api = (url: string, payload?: Record<string, unknown>) => t.request({ method: 'POST', url: `/api/v1${url}`, payload });

  beforeAll(async () => {
    t = await startTestApp(dialect, { clock, env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    // The runner is not started: the replays stay pending, nothing is sent.
    endpointId = (await api('/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['message.sent'] })).json().id;
    const repos = t.app.ports.ctx.store.repos;
    const at = clock.now() - 3_600_000;
    const event = { id: newId('evt', at), type: 'message.sent', messageId: 'msg_gone', at, data: '{}' };
    await repos.eventJournal.append([event], { read: true });
    for (let i = 0; i < COUNT; i++) failed.push({ ...newDelivery(endpointId, event, at + i), status: 'failed', attemptCount: 8, lastError: 'HTTP 500', completedAt: at + i });
    await repos.webhookDeliveries.insert(failed);
  });
  afterAll(async () => t?.close());

  it('replays each failed delivery once while accepts are answered; a second call finds none left', async () => {
    const repos = t.app.ports.ctx.store.repos;
    // One was replayed on its own first: the bulk call leaves it (and its replay) alone.
    const single = await api(`/webhooks/${endpointId}/deliveries/${failed[0]?.id}/replay`);
    expect(single.statusCode).toBe(202);
    const since = new Date(clock.now() - 86_400_000).toISOString();
    const bulk = api(`/webhooks/${endpointId}/deliveries/replay`, { since }).then((r) => ({ r, at: performance.now() }));
    await new Promise((r) => setImmediate(r));
    const code = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { purpose: 'two_factor', to: ['me@example.net'], subject: 'Code', text: '123456' } });
    const codeAt = performance.now();
    const { r, at } = await bulk;
    expect(code.statusCode).toBe(202);
    expect(r.json()).toEqual({ count: COUNT - 1, more: false });
    expect(codeAt).toBeLessThan(at);
    const replayOf = new Map<string, string>();
    for (const d of failed) {
      const now = (await repos.webhookDeliveries.get(d.id)) as DeliveryRecord;
      expect(now.replayedBy).toBeTruthy();
      const replay = (await repos.webhookDeliveries.get(now.replayedBy as string)) as DeliveryRecord;
      expect(replay).toMatchObject({ status: 'pending', replayOf: d.id, eventId: d.eventId, endpointId });
      replayOf.set(replay.id, d.id);
    }
    expect(replayOf.size).toBe(COUNT);
    expect(single.json().id).toBe((await repos.webhookDeliveries.get(failed[0]?.id as string))?.replayedBy);
    expect((await api(`/webhooks/${endpointId}/deliveries/replay`, { since })).json()).toEqual({ count: 0, more: false });
  });
});
