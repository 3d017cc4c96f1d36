import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'kysely';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * An idempotency key (a message's `idempotencyKey`, an event's `id`) reused with another body is
 * no retry: answering it with the first message, `duplicate: true`, would drop the new message
 * unseen. It is refused (422 MAILROOM_E_IDEMPOTENCY_MISMATCH, saying when the key was first used)
 * and nothing is stored. The same body again, its keys in any order, is still a retry; a row
 * stored before request hashes were kept (no hash) answers as before.
 */
await describeEachDialect('an idempotency key reused with a different body', (dialect) => {
  let t: TestApp;
  const post = (url: string, payload: object) => t.request({ method: 'POST', url: `/api/v1${url}`, payload });

  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
  });
  afterAll(async () => t?.close());

  it('messages: the same body (keys in any order) is a retry; another body is refused and stores nothing', async () => {
    const first = await post('/messages', { to: ['a@example.net'], subject: 'Invoice 1', text: 'x', idempotencyKey: 'inv-1' });
    expect(first.statusCode).toBe(202);
    const retry = await post('/messages', { idempotencyKey: 'inv-1', text: 'x', subject: 'Invoice 1', to: ['a@example.net'] });
    expect(retry.json()).toMatchObject({ id: first.json().id, duplicate: true });

    const other = await post('/messages', { to: ['b@example.net'], subject: 'Invoice 2', text: 'y', idempotencyKey: 'inv-1' });
    expect(other.statusCode).toBe(422);
    const error = other.json().error;
    expect(error).toMatchObject({ code: 'MAILROOM_E_IDEMPOTENCY_MISMATCH', details: { field: 'idempotencyKey', id: first.json().id, firstUsedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) } });
    expect(error.message).toContain('inv-1');
    // Said in words in the message ("2026-01-31 09:00:05 UTC"), as ISO in details.
    expect(error.message).toContain(`${(error.details.firstUsedAt as string).slice(0, 19).replace('T', ' ')} UTC`);
    expect(error.message).toMatch(/different request/);
    const list = (await t.request({ method: 'GET', url: '/api/v1/messages?q=Invoice' })).json();
    expect(list.items.map((m: { subject: string }) => m.subject)).toEqual(['Invoice 1']);
  });

  it('messages: a row stored without a request hash (before the migration) still answers a reused key as a retry', async () => {
    const first = await post('/messages', { to: ['a@example.net'], subject: 'Legacy', text: 'x', idempotencyKey: 'legacy-1' });
    await sql`update messages set request_hash = null where id = ${first.json().id}`.execute(t.app.infra.db);
    const other = await post('/messages', { to: ['a@example.net'], subject: 'Legacy, changed', text: 'x', idempotencyKey: 'legacy-1' });
    expect(other.statusCode).toBe(202);
    expect(other.json()).toMatchObject({ id: first.json().id, duplicate: true });
  });

  it('events: the same body again is a retry; another body with the same id is refused and sends nothing', async () => {
    const first = await post('/events', { type: 'order.shipped', id: 'ord-7', data: { n: 1 } });
    expect(first.statusCode).toBe(202);
    const retry = await post('/events', { data: { n: 1 }, id: 'ord-7', type: 'order.shipped' });
    expect(retry.json()).toMatchObject({ id: 'ord-7', duplicate: true });

    const other = await post('/events', { type: 'order.shipped', id: 'ord-7', data: { n: 2 } });
    expect(other.statusCode).toBe(422);
    expect(other.json().error).toMatchObject({ code: 'MAILROOM_E_IDEMPOTENCY_MISMATCH', details: { field: 'id', firstUsedAt: expect.any(String) } });
    expect(other.json().error.message).toContain('ord-7');
    expect((await t.request({ method: 'GET', url: '/api/v1/events/ord-7' })).json()).toMatchObject({ data: { n: 1 } });
  });

  it('events: an event stored without a request hash still answers a reused id as a retry', async () => {
    await post('/events', { type: 'order.shipped', id: 'ord-legacy', data: { n: 1 } });
    await sql`update notify_events set request_hash = null where id = 'ord-legacy'`.execute(t.app.infra.db);
    const other = await post('/events', { type: 'order.shipped', id: 'ord-legacy', data: { n: 2 } });
    expect(other.statusCode).toBe(202);
    expect(other.json()).toMatchObject({ id: 'ord-legacy', duplicate: true });
  });

  it('the event view does not show the stored hash', async () => {
    const e = (await t.request({ method: 'GET', url: '/api/v1/events/ord-7' })).json();
    expect(Object.keys(e)).not.toContain('requestHash');
  });
});
