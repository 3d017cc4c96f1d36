import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/kernel/clock.js';
import { AUTO_DISABLE_AFTER_MS, AUTO_DISABLE_MIN_FAILURES } from '../../src/core/webhooks/attempt-outcome.js';
import { MAX_ATTEMPTS, RETRY_DELAYS_SEC } from '../../src/core/webhooks/retry-schedule.js';
import type { WebhookRunner } from '../../src/webhooks/runner.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

/**
 * What the queue does with each kind of answer, on a manual clock: Retry-After is honoured,
 * redirects are not followed, 410 switches the endpoint off, a long failing streak too (audited,
 * with a warning before), the schedule ends in `failed`, and failed deliveries are replayed one
 * by one or by time range with the same webhook-id.
 */
await describeEachDialect('webhook retries, switches and replays', (dialect) => {
  const clock = new ManualClock(Date.now());
  let t: TestApp;
  let receiver: WebhookReceiver;
  let other: WebhookReceiver;
  let runner: WebhookRunner;
  const api = async (method: string, url: string, payload?: object) => t.request({ method: method as 'GET', url: `/api/v1${url}`, ...(payload ? { payload } : {}) });
  const endpoint = async () => (await api('POST', '/webhooks', { url: receiver.url, events: ['message.sent'] })).json() as { id: string; secret: string };
  const test = async (id: string) => (await api('POST', `/webhooks/${id}/test`)).json().deliveryId as string;
  const delivery = async (id: string, deliveryId: string) => (await api('GET', `/webhooks/${id}/deliveries/${deliveryId}`)).json();

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    other = await startWebhookReceiver();
    t = await startTestApp(dialect, { clock, env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    runner = await t.app.startWebhooks({ loop: false });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.stop();
    await other?.stop();
  });

  it('honours Retry-After: the next attempt waits as long as the receiver asked', async () => {
    const e = await endpoint();
    receiver.reply = () => ({ status: 503, headers: { 'retry-after': '120' }, body: 'maintenance until 10:00' });
    const id = await test(e.id);
    await runner.drain();
    const d = await delivery(e.id, id);
    expect(d).toMatchObject({ status: 'pending', attemptCount: 1, lastStatusCode: 503, lastError: 'HTTP 503; Retry-After 120 s' });
    expect(Date.parse(d.nextAttemptAt)).toBeGreaterThanOrEqual(clock.now() + 120_000);
    expect(d.attempts[0]).toMatchObject({ outcome: 'failed', statusCode: 503, responseExcerpt: 'maintenance until 10:00' });
    // Not before: 60 s later nothing is due.
    clock.advance(60_000);
    await runner.drain();
    expect((await delivery(e.id, id)).attemptCount).toBe(1);
    receiver.reply = () => ({ status: 200, body: 'ok' });
    clock.advance(61_000);
    await runner.drain();
    // Done: no next attempt (it kept the time of the last one).
    expect(await delivery(e.id, id)).toMatchObject({ status: 'succeeded', attemptCount: 2, lastStatusCode: 200, nextAttemptAt: null });
    await api('DELETE', `/webhooks/${e.id}`);
  });

  it('does not follow a redirect: the attempt fails, naming where it pointed, and nothing reaches the other host', async () => {
    const e = await endpoint();
    receiver.reply = () => ({ status: 307, headers: { location: other.url } });
    const id = await test(e.id);
    await runner.drain();
    const d = await delivery(e.id, id);
    expect(d).toMatchObject({ status: 'pending', lastStatusCode: 307 });
    expect(d.lastError).toBe(`HTTP 307 redirect to ${other.url} not followed: Mailroom never follows redirects; set the endpoint's URL to the final address`);
    expect(other.received).toEqual([]);
    await api('DELETE', `/webhooks/${e.id}`);
  });

  it('switches the endpoint off on 410 Gone, audited; new events are not queued for it', async () => {
    const e = await endpoint();
    receiver.reply = () => ({ status: 410 });
    const id = await test(e.id);
    await runner.drain();
    const shown = (await api('GET', `/webhooks/${e.id}`)).json();
    expect(shown).toMatchObject({ enabled: false, disabledReason: 'HTTP 410 Gone: the receiver says this endpoint no longer exists', health: { state: 'disabled' } });
    expect((await delivery(e.id, id)).status).toBe('pending');
    const audit = (await api('GET', `/audit?targetType=webhook&targetId=${e.id}&action=webhook.auto_disable`)).json().items;
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'system', after: { enabled: false, deliveryId: id } });
    expect((await api('POST', `/webhooks/${e.id}/deliveries/${id}/replay`)).json().error.code).toBe('MAILROOM_E_INVALID_STATE');
    // Switched on again: a clean slate, and the delivery that waited is sent.
    receiver.reply = () => ({ status: 204 });
    const on = (await api('PATCH', `/webhooks/${e.id}`, { enabled: true, version: shown.version })).json();
    expect(on).toMatchObject({ enabled: true, disabledReason: null, health: { consecutiveFailures: 0 } });
    await runner.drain();
    expect((await delivery(e.id, id)).status).toBe('succeeded');
    await api('DELETE', `/webhooks/${e.id}`);
  });

  it('switches an endpoint off after a long failing streak, with a warning date before and an audit entry', async () => {
    const e = await endpoint();
    receiver.reply = () => ({ status: 500, body: 'boom' });
    const start = clock.now();
    for (let i = 0; i < AUTO_DISABLE_MIN_FAILURES; i++) await test(e.id);
    await runner.drain();
    const failing = (await api('GET', `/webhooks/${e.id}`)).json();
    expect(failing.health).toMatchObject({ state: 'failing', consecutiveFailures: AUTO_DISABLE_MIN_FAILURES, pending: AUTO_DISABLE_MIN_FAILURES });
    expect(Date.parse(failing.health.autoDisableAt)).toBe(start + AUTO_DISABLE_AFTER_MS);
    expect(failing.enabled).toBe(true);
    clock.advance(AUTO_DISABLE_AFTER_MS);
    await runner.drain();
    const off = (await api('GET', `/webhooks/${e.id}`)).json();
    expect(off.enabled).toBe(false);
    expect(off.disabledReason).toMatch(/^every attempt failed since .* \(\d+ in a row\)$/);
    const audit = (await api('GET', `/audit?targetType=webhook&targetId=${e.id}&action=webhook.auto_disable`)).json().items;
    expect(audit).toHaveLength(1);
    await api('DELETE', `/webhooks/${e.id}`);
  });

  it('ends the schedule in failed after the last retry; replays one delivery, then every failed one of a time range, with the same webhook-id', async () => {
    const e = await endpoint();
    receiver.reply = () => ({ status: 500 });
    const from = clock.now();
    const ids = [await test(e.id), await test(e.id), await test(e.id)];
    await runner.drain();
    for (const delay of RETRY_DELAYS_SEC) {
      clock.advance(delay * 1_200 + 1);
      await runner.drain();
    }
    for (const id of ids) expect(await delivery(e.id, id)).toMatchObject({ status: 'failed', attemptCount: MAX_ATTEMPTS });
    expect((await api('GET', `/webhooks/${e.id}/deliveries?status=failed`)).json().items).toHaveLength(3);

    receiver.reply = () => ({ status: 204 });
    const mark = receiver.received.length;
    const one = await api('POST', `/webhooks/${e.id}/deliveries/${ids[0]}/replay`);
    expect(one.statusCode).toBe(202);
    expect(one.json()).toMatchObject({ status: 'pending', replayOf: ids[0], attemptCount: 0 });
    // A replay still waiting cannot be replayed again.
    expect((await api('POST', `/webhooks/${e.id}/deliveries/${one.json().id}/replay`)).json().error.code).toBe('MAILROOM_E_INVALID_STATE');
    await runner.drain();
    expect(await delivery(e.id, one.json().id)).toMatchObject({ status: 'succeeded' });
    expect((await delivery(e.id, ids[0])).replayedBy).toBe(one.json().id);

    const range = await api('POST', `/webhooks/${e.id}/deliveries/replay`, { since: new Date(from).toISOString(), until: new Date(clock.now() + 1).toISOString() });
    expect(range.json()).toEqual({ count: 2, more: false });
    // Replayed ones are not replayed twice by a range.
    expect((await api('POST', `/webhooks/${e.id}/deliveries/replay`, { since: new Date(from).toISOString() })).json()).toEqual({ count: 0, more: false });
    await runner.drain();
    const delivered = receiver.received.slice(mark);
    const webhookIds = await Promise.all(ids.map(async (id) => (await delivery(e.id, id)).webhookId));
    expect(delivered.map((w) => w.id).sort()).toEqual([...webhookIds].sort());
    const actions = (await api('GET', `/audit?targetType=webhook&targetId=${e.id}`)).json().items.map((a: { action: string }) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['webhook.replay', 'webhook.bulk_replay']));
    const bad = await api('POST', `/webhooks/${e.id}/deliveries/replay`, { since: 'yesterday' });
    expect(bad.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'since' } });
    await api('DELETE', `/webhooks/${e.id}`);
  });

  it('filters the delivery log and pages through it', async () => {
    const e = await endpoint();
    receiver.reply = () => ({ status: 204 });
    for (let i = 0; i < 5; i++) await test(e.id);
    await runner.drain();
    const first = (await api('GET', `/webhooks/${e.id}/deliveries?limit=2&eventType=webhook.test&status=succeeded`)).json();
    expect(first.items).toHaveLength(2);
    const second = (await api('GET', `/webhooks/${e.id}/deliveries?limit=2&eventType=webhook.test&status=succeeded&cursor=${first.nextCursor}`)).json();
    expect(second.items).toHaveLength(2);
    expect(second.items[0].id < first.items[1].id).toBe(true);
    for (const [q, field] of [['status=done', 'status'], ['eventType=message.opened', 'eventType'], ['cursor=abc', 'cursor'], ['since=soon', 'since']]) {
      const res = await api('GET', `/webhooks/${e.id}/deliveries?${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error.details.field, q).toBe(field);
    }
    await api('DELETE', `/webhooks/${e.id}`);
  });
});
