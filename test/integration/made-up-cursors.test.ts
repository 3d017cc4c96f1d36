import { afterAll, beforeAll, expect, it } from 'vitest';
import { newId } from '../../src/core/kernel/ids.js';
import { eventsCursor } from '../../src/core/notify/events.service.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A list's `cursor` is the `nextCursor` a previous page returned. The cursors are the last row's
 * id (a position for events), and were checked for their shape only:
 * a made-up one of the right shape was read as a position, so `msg_zzzz…` answered page one (a
 * silent restart) and `msg_0000…` an empty page (the list looked finished). A cursor no row has
 * is refused as every other foreign cursor is: 400 MAILROOM_E_VALIDATION, field `cursor`.
 * (The suppression list is in address order: any address is a position in it, and the last
 * address of a page still pages on once removed, suppressions-cursor.test.ts.)
 */
await describeEachDialect('a cursor must be one a list returned', (dialect) => {
  let t: TestApp;
  let webhookId: string;
  const get = (url: string) => t.request({ method: 'GET', url: `/api/v1${url}` });
  const refusedCursor = async (url: string) => {
    const res = await get(url);
    expect(res.statusCode, `${url} ${res.body}`).toBe(400);
    expect(res.json().error, url).toEqual({
      code: 'MAILROOM_E_VALIDATION',
      message: 'cursor: is not a cursor this list returned (use the nextCursor of the previous page, or leave it out for the first page)',
      details: { field: 'cursor' },
    });
  };
  /** Page one of `limit=1`, then the page its nextCursor names: the real cursor keeps working. */
  const pagesOn = async (url: string) => {
    const sep = url.includes('?') ? '&' : '?';
    const first = await get(`${url}${sep}limit=1`);
    expect(first.statusCode, first.body).toBe(200);
    const next = first.json().nextCursor as string;
    expect(next, url).toEqual(expect.any(String));
    const second = await get(`${url}${sep}limit=1&cursor=${encodeURIComponent(next)}`);
    expect(second.statusCode, second.body).toBe(200);
    expect(second.json().items).toHaveLength(1);
    expect(second.json().items[0]).not.toEqual(first.json().items[0]);
  };
  const high = (prefix: string) => `${prefix}_${'z'.repeat(26)}`;
  const low = (prefix: string) => `${prefix}_${'0'.repeat(26)}`;

  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com', MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    for (const to of ['ann@example.net', 'bob@example.net']) {
      expect((await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: [to], subject: 's', text: 't' } })).statusCode).toBe(202);
      expect((await t.request({ method: 'POST', url: '/api/v1/events', payload: { type: 'order.shipped', data: {} } })).statusCode).toBe(202);
    }
    const now = t.app.ports.ctx.clock.now();
    for (const i of [1, 2]) {
      await t.app.ports.ctx.store.repos.relayRejections.insert({ id: newId('rej', now + i), at: now + i, clientIp: '127.0.0.1', credentialId: null, username: null, stage: 'auth', code: 535, reply: '535 no' });
    }
    const hook = await t.request({ method: 'POST', url: '/api/v1/webhooks', payload: { url: 'http://127.0.0.1:9/hook', events: ['message.sent'] } });
    expect(hook.statusCode, hook.body).toBe(201);
    webhookId = hook.json().id;
  });
  afterAll(async () => t?.close());

  it('the email log: a made-up message id is refused, above or below every real one', async () => {
    await pagesOn('/messages');
    await refusedCursor(`/messages?cursor=${high('msg')}`);
    await refusedCursor(`/messages?cursor=${low('msg')}`);
    await refusedCursor(`/messages?cursor=${high('msg')}&q=s`);
  });

  it('the audit log, the relay refusals and the webhook deliveries: the same', async () => {
    await pagesOn('/audit');
    await refusedCursor(`/audit?cursor=${high('aud')}&limit=1`);
    await refusedCursor(`/audit?cursor=${low('aud')}`);
    await pagesOn('/relay/rejections');
    await refusedCursor(`/relay/rejections?cursor=${low('rej')}`);
    await refusedCursor(`/relay/rejections?cursor=${high('rej')}`);
    await refusedCursor(`/webhooks/${webhookId}/deliveries?cursor=${high('whd')}`);
    await refusedCursor(`/webhooks/${webhookId}/deliveries?cursor=${low('whd')}`);
  });

  it('events (a position): a position no event has is refused', async () => {
    await pagesOn('/events');
    await refusedCursor(`/events?cursor=${eventsCursor({ receivedAt: 9_999_999_999_999, id: 'made-up' })}`);
    await refusedCursor(`/events?cursor=${eventsCursor({ receivedAt: 1, id: 'made-up' })}`);
    // A real event's id at another time is no position the list handed out either.
    const real = (await get('/events?limit=1')).json().items[0];
    await refusedCursor(`/events?cursor=${eventsCursor({ receivedAt: real.receivedAt + 1, id: real.id })}`);
  });
});
