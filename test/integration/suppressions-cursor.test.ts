import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The suppression list's `cursor` is the last address of the previous page. Anything this list
 * cannot have returned is a 400 on `cursor`, with the same code and message as every other
 * list's bad cursor (messages, relay rejections), instead of a 200 with a made-up page.
 */
await describeEachDialect('suppressions: the list cursor', (dialect) => {
  let t: TestApp;
  const get = (url: string) => t.request({ method: 'GET', url: `/api/v1${url}` });
  beforeAll(async () => {
    t = await startTestApp(dialect);
    for (const address of ['a@example.net', 'b@example.net', 'c@example.net']) {
      expect((await t.request({ method: 'POST', url: '/api/v1/suppressions', payload: { address } })).statusCode).toBe(201);
    }
  });
  afterAll(async () => t?.close());

  it('refuses a cursor it cannot have returned, as the other lists do', async () => {
    const reference = (await get('/messages?cursor=zzz')).json().error;
    expect(reference).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'cursor' } });
    for (const cursor of ['zzz', 'B@Example.NET', 'a b@example.net', '@example.net', 'b@', ' b@example.net']) {
      const res = await get(`/suppressions?cursor=${encodeURIComponent(cursor)}`);
      expect(res.statusCode, cursor).toBe(400);
      expect(res.json().error, cursor).toEqual(reference);
    }
  });

  it('pages with the cursors it returns, also one whose address was removed since', async () => {
    const first = (await get('/suppressions?limit=1')).json();
    expect(first.items.map((s: { address: string }) => s.address)).toEqual(['a@example.net']);
    expect(first.nextCursor).toBe('a@example.net');
    const second = (await get(`/suppressions?limit=1&cursor=${encodeURIComponent(first.nextCursor)}`)).json();
    expect(second.items.map((s: { address: string }) => s.address)).toEqual(['b@example.net']);
    expect((await t.request({ method: 'DELETE', url: '/api/v1/suppressions/b%40example.net' })).statusCode).toBe(204);
    const third = (await get(`/suppressions?limit=1&cursor=${encodeURIComponent(second.nextCursor)}`)).json();
    expect(third).toEqual({ items: [expect.objectContaining({ address: 'c@example.net' })], nextCursor: null });
  });
});
