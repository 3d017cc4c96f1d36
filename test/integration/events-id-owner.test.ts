import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApiKey } from '../../src/core/access/api-keys.service.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * An event id is the raising application's own key: the same id again from the same API key is
 * a retry (the first answer, `duplicate: true`, nothing sent). The same id from another API key
 * is not a retry of anything that key sent: it must not be silently dropped while its sender is
 * told 202 with another application's matches and message ids; it is 409 MAILROOM_E_DUPLICATE.
 */
await describeEachDialect('events: an id belongs to the key that raised it', (dialect) => {
  let t: TestApp;
  let other: string;
  const raise = (key: string, body: object) => t.request({ method: 'POST', url: '/api/v1/events', key, payload: body });

  beforeAll(async () => {
    t = await startTestApp(dialect);
    ({ key: other } = await createApiKey(t.app.ports.ctx, { label: 'test', ip: null }, { name: 'other-app', scopes: ['send', 'read'] }, null));
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers a retry from the same key with the first answer, and refuses the id from another key', async () => {
    const first = await raise(t.adminKey, { type: 'order.shipped', id: 'order-1', data: { n: 1 } });
    expect(first.statusCode).toBe(202);
    expect(first.json()).toMatchObject({ id: 'order-1', duplicate: false });
    const retry = await raise(t.adminKey, { type: 'order.shipped', id: 'order-1', data: { n: 1 } });
    expect(retry.statusCode).toBe(202);
    expect(retry.json()).toMatchObject({ id: 'order-1', duplicate: true });

    const foreign = await raise(other, { type: 'ticket.created', id: 'order-1', data: { n: 2 } });
    expect(foreign.statusCode).toBe(409);
    expect(foreign.json().error).toMatchObject({ code: 'MAILROOM_E_DUPLICATE', details: { field: 'id' } });
    expect(foreign.json().error.message).toMatch(/order-1/);
    expect(foreign.json().error.message).not.toMatch(/test-admin/);
    // The first event is untouched.
    expect((await t.request({ method: 'GET', url: '/api/v1/events/order-1' })).json()).toMatchObject({ type: 'order.shipped', data: { n: 1 } });
  });
});
