import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'kysely';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * An event raised without an id gets Mailroom's (`evt_…`). Raising another event with that id
 * given explicitly, and another body, is no retry of the first: it used to be answered
 * `duplicate: true` with the first event's matches (no hash was stored for an event without an
 * id, and a missing hash reads as "stored before hashes were kept"), so the new event was dropped
 * unseen. Its hash is stored now: the other body is refused (422), the same event with its id
 * is a retry, and rows from before migration 025 (no hash) still answer as retries.
 */
await describeEachDialect('events: an explicit id equal to a generated one', (dialect) => {
  let t: TestApp;
  const raise = (payload: object) => t.request({ method: 'POST', url: '/api/v1/events', payload });

  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
    const rule = await t.request({ method: 'POST', url: '/api/v1/rules', payload: { name: 'Orders', events: ['order.shipped'], recipients: { roles: ['buyer'] }, template: 'test' } });
    expect(rule.statusCode, rule.body).toBe(201);
  });
  afterAll(async () => t?.close());

  const body = (n: number) => ({ type: 'order.shipped', data: { n }, recipients: { buyer: ['ann@example.com'] } });

  it('another body under the generated id is refused (422 MAILROOM_E_IDEMPOTENCY_MISMATCH) and nothing is stored or sent', async () => {
    const first = await raise(body(1));
    expect(first.statusCode, first.body).toBe(202);
    const id = first.json().id as string;
    expect(id).toMatch(/^evt_/);
    const messagesBefore = (await t.request({ method: 'GET', url: '/api/v1/messages?limit=500' })).json().items.length;

    const other = await raise({ ...body(2), id });
    expect(other.statusCode, other.body).toBe(422);
    expect(other.json().error).toMatchObject({ code: 'MAILROOM_E_IDEMPOTENCY_MISMATCH', details: { field: 'id' } });
    expect((await t.request({ method: 'GET', url: `/api/v1/events/${id}` })).json()).toMatchObject({ data: { n: 1 } });
    expect((await t.request({ method: 'GET', url: '/api/v1/messages?limit=500' })).json().items.length).toBe(messagesBefore);
  });

  it('the same event sent again with its generated id is a retry', async () => {
    const first = await raise(body(3));
    const id = first.json().id as string;
    const again = await raise({ id, ...body(3) });
    expect(again.statusCode, again.body).toBe(202);
    expect(again.json()).toMatchObject({ id, duplicate: true, matches: first.json().matches });
  });

  it('an event stored before hashes were kept (no hash) still answers a reused id as a retry', async () => {
    const first = await raise(body(4));
    const id = first.json().id as string;
    await sql`update notify_events set request_hash = null where id = ${id}`.execute(t.app.infra.db);
    const other = await raise({ ...body(5), id });
    expect(other.statusCode, other.body).toBe(202);
    expect(other.json()).toMatchObject({ id, duplicate: true });
  });
});
