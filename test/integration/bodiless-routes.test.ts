import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A route that takes no body (retry, cancel, a DELETE, a rotation) refuses one with fields
 * instead of ignoring it: `POST /messages/:id/retry { "sendAt": … }` retried at once, and the
 * caller believed the message rescheduled. No body, an empty one or `{}` are still taken.
 */
await describeEachDialect('a body on a route that takes none', (dialect) => {
  let t: TestApp;
  const post = (url: string, payload?: string) => t.request({ method: 'POST', url: `/api/v1${url}`, ...(payload === undefined ? {} : { payload, headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json' } }) });

  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
  });
  afterAll(async () => t?.close());

  it('fields are refused, naming them, and nothing is done', async () => {
    const sent = await post('/messages', JSON.stringify({ to: ['later@example.net'], subject: 'later', text: 't', sendAt: '2030-01-01T00:00:00Z' }));
    expect(sent.statusCode, sent.body).toBe(202);
    const { id } = sent.json();
    const res = await post(`/messages/${id}/cancel`, JSON.stringify({ reason: 'duplicate order' }));
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toEqual({ code: 'MAILROOM_E_UNKNOWN_FIELD', message: 'body: this route takes no body; unknown field "reason"', details: { field: 'body', unknown: ['reason'] } });
    const other = await post(`/messages/${id}/cancel`, '[1]');
    expect(other.statusCode, other.body).toBe(400);
    expect(other.json().error).toEqual({ code: 'MAILROOM_E_VALIDATION', message: 'body: this route takes no body (send none, or {})', details: { field: 'body' } });
    expect((await t.request({ method: 'GET', url: `/api/v1/messages/${id}` })).json().status).toBe('queued');
    // No body, an empty one, and {} ask for nothing: taken.
    expect((await post(`/messages/${id}/cancel`, '{}')).statusCode).toBe(200);
    expect((await post(`/messages/${id}/retry`, '')).statusCode).toBe(200);
    expect((await post(`/messages/${id}/cancel`)).statusCode).toBe(200);
  });

  it('the OpenAPI document lists MAILROOM_E_UNKNOWN_FIELD for them', async () => {
    const doc = (await t.request({ method: 'GET', url: '/docs/json' })).json();
    const codes = doc.paths['/api/v1/messages/{id}/cancel'].post.responses['400'].content['application/json'].schema.properties.error.properties.code.enum as string[];
    expect(codes).toContain('MAILROOM_E_UNKNOWN_FIELD');
  });
});
