import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/kernel/clock.js';
import type { WebhookRunner } from '../../src/webhooks/runner.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

/**
 * A delivery names its replay (`replayedBy`): replaying the same delivery a second time (a
 * double click, a retried request) must not queue a second copy that nothing points to. It is
 * refused with 409 MAILROOM_E_INVALID_STATE naming the replay; replaying the replay sends the
 * event once more, and the chain stays readable.
 */
await describeEachDialect('webhook replay: once per delivery', (dialect) => {
  const clock = new ManualClock(Date.now());
  let t: TestApp;
  let receiver: WebhookReceiver;
  let runner: WebhookRunner;
  const api = async (method: string, url: string, payload?: object) => t.request({ method: method as 'GET', url: `/api/v1${url}`, ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    t = await startTestApp(dialect, { clock, env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    runner = await t.app.startWebhooks({ loop: false });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.stop();
  });

  it('refuses a second replay of the same delivery, naming the first; the replay can be replayed', async () => {
    const e = (await api('POST', '/webhooks', { url: receiver.url, events: ['message.sent'] })).json() as { id: string };
    const original = (await api('POST', `/webhooks/${e.id}/test`)).json().deliveryId as string;
    await runner.drain();
    const first = await api('POST', `/webhooks/${e.id}/deliveries/${original}/replay`);
    expect(first.statusCode).toBe(202);
    await runner.drain();
    expect((await api('GET', `/webhooks/${e.id}/deliveries/${first.json().id}`)).json().status).toBe('succeeded');

    const again = await api('POST', `/webhooks/${e.id}/deliveries/${original}/replay`);
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({ code: 'MAILROOM_E_INVALID_STATE', details: { replayedBy: first.json().id } });
    expect(again.json().error.message).toContain(first.json().id);
    const all = (await api('GET', `/webhooks/${e.id}/deliveries`)).json().items as { id: string }[];
    expect(all).toHaveLength(2);

    const second = await api('POST', `/webhooks/${e.id}/deliveries/${first.json().id}/replay`);
    expect(second.statusCode).toBe(202);
    expect(second.json()).toMatchObject({ replayOf: first.json().id, eventId: first.json().eventId });
    expect((await api('GET', `/webhooks/${e.id}/deliveries/${first.json().id}`)).json().replayedBy).toBe(second.json().id);
    expect((await api('GET', `/webhooks/${e.id}/deliveries/${original}`)).json().replayedBy).toBe(first.json().id);
  });
});
