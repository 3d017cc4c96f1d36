import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/kernel/clock.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * GET /api/v1/events pages with `nextCursor`. Event ids are the application's own and may hold
 * "+", "/", "=", "@", ":"; the cursor used to be `receivedAt~id` as it is, so a curl user pasting
 * it into a URL (`?cursor=$NEXT`) turned "+" into a space and got a wrong page. The cursor is
 * now opaque and URL-safe (base64url): pasted as it is, it pages through every event once. The
 * old form still reads (cursors handed out before), a "+" sent unencoded in it too, and
 * anything else is the list's cursor refusal (400 MAILROOM_E_VALIDATION, field `cursor`).
 * Both dialects: the page query is the store's.
 */
await describeEachDialect('events list cursor', (dialect) => {
  let t: TestApp;
  let port: number;
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 9, 0, 0));
  const ids = ['order+1', 'order+2', 'a/b=c', 'x@y:z', 'plain-1', 'c++', 'Z+Z+Z=', 'm-1', 'm-2'];

  /** Like curl with `?cursor=$NEXT`: the query is written into the request line as it is, not encoded. */
  const rawGet = (pathAndQuery: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'GET', path: pathAndQuery, headers: { authorization: `Bearer ${t.adminKey}` } }, (res) => {
        let b = '';
        res.on('data', (c) => (b += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
      });
      req.on('error', reject);
      req.end();
    });

  beforeAll(async () => {
    t = await startTestApp(dialect, { clock, env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
    for (const [i, id] of ids.entries()) {
      // Pairs share a millisecond: the id orders events received at the same time.
      if (i % 2 === 0) clock.advance(1000);
      const res = await t.request({ method: 'POST', url: '/api/v1/events', payload: { type: 'order.shipped', id, data: { i } } });
      expect(res.statusCode, res.body).toBe(202);
    }
    await t.server.listen({ host: '127.0.0.1', port: 0 });
    port = (t.server.server.address() as AddressInfo).port;
  });
  afterAll(async () => t?.close());

  const everyId = async () => {
    const res = await rawGet('/api/v1/events?limit=200');
    expect(res.status, res.body).toBe(200);
    return (JSON.parse(res.body) as { items: { id: string }[] }).items.map((e) => e.id);
  };

  it('hands out URL-safe cursors that page through every event once when pasted unencoded', async () => {
    const all = await everyId();
    expect([...all].sort()).toEqual([...ids].sort());
    for (const limit of [1, 2, 4]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 20; pages++) {
        const res = await rawGet(`/api/v1/events?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status, res.body).toBe(200);
        const page = JSON.parse(res.body) as { items: { id: string }[]; nextCursor: string | null };
        seen.push(...page.items.map((e) => e.id));
        cursor = page.nextCursor;
        if (cursor === null) break;
        expect(cursor, 'opaque and URL-safe').toMatch(/^[A-Za-z0-9_-]+$/);
      }
      expect(seen, `limit ${limit}`).toEqual(all);
    }
  });

  it('pages the same with the cursor URL-encoded, as the SDK and browsers send it', async () => {
    const all = await everyId();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await t.request({ method: 'GET', url: '/api/v1/events', query: { limit: '3', ...(cursor ? { cursor } : {}) } });
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json() as { items: { id: string }[]; nextCursor: string | null };
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all);
  });

  it('still reads the old form "receivedAt~id", encoded or with "+" sent as it is', async () => {
    const res = await rawGet('/api/v1/events?limit=200');
    const items = (JSON.parse(res.body) as { items: { id: string; receivedAt: string }[] }).items;
    for (const [i, e] of items.entries()) {
      if (!e.id.includes('+')) continue;
      const old = `${Date.parse(e.receivedAt)}~${e.id}`;
      const after = items.slice(i + 1).map((x) => x.id);
      for (const sent of [encodeURIComponent(old), old]) {
        const page = await rawGet(`/api/v1/events?limit=200&cursor=${sent}`);
        expect(page.status, page.body).toBe(200);
        expect((JSON.parse(page.body) as { items: { id: string }[] }).items.map((x) => x.id), sent).toEqual(after);
      }
    }
  });

  it('refuses a cursor it did not hand out with the list cursor error', async () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64url');
    const bad = ['garbage', '!!!', 'abc$', b64('nonsense'), b64('123~'), b64('~order+1'), b64('12x~order+1'), `${b64('1780304400000~order+1')}=`, `${b64('1780304400000~order+1')}.`, '~', '123~'];
    for (const cursor of bad) {
      const res = await t.request({ method: 'GET', url: '/api/v1/events', query: { cursor } });
      expect(res.statusCode, `${cursor}: ${res.body}`).toBe(400);
      expect(res.json().error).toEqual({
        code: 'MAILROOM_E_VALIDATION',
        message: 'cursor: is not a cursor this list returned (use the nextCursor of the previous page, or leave it out for the first page)',
        details: { field: 'cursor' },
      });
    }
  });
});
