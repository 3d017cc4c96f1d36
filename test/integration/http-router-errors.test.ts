import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * What the HTTP layer answers before a handler runs, and to requests that are slightly off:
 * every refusal is a 4xx in the documented shape `{ error: { code: 'MAILROOM_E_…', message } }`
 * (docs/api.md), never Fastify's own `{ statusCode, code: 'FST_…', error, message }`.
 * - path parameters up to 1,024 characters (a 254-character address, percent-encoded, fits);
 *   longer ones and broken percent-encoding are 400 MAILROOM_E_VALIDATION;
 * - an empty body with a JSON content type is no body (DELETE from curl), and a route that
 *   needs a body says it is missing; a body of another type is told to be application/json;
 * - a query parameter given twice is named; JSON nested deeper than 64 levels is refused
 *   before it is parsed.
 * The router does not depend on the store, so SQLite only.
 */
describe('router-level errors', () => {
  let t: TestApp;
  const api = (o: { method: 'GET' | 'POST' | 'DELETE' | 'PATCH' | 'PUT'; url: string; payload?: string | object; headers?: Record<string, string>; key?: string | null }) =>
    t.request({ ...o, url: `/api/v1${o.url}` });

  /** The documented error shape, nothing of Fastify's own. */
  const expectError = (res: { statusCode: number; body: string; json(): unknown }, status: number, code: string) => {
    expect([res.statusCode, res.body], res.body).toEqual([status, expect.any(String)]);
    const b = res.json() as { error?: { code?: string; message?: string }; statusCode?: unknown };
    expect(Object.keys(b)).toEqual(['error']);
    expect(b.error?.code, res.body).toBe(code);
    expect(typeof b.error?.message).toBe('string');
    expect(res.body).not.toMatch(/FST_/);
    return b.error as { code: string; message: string; details?: Record<string, unknown> };
  };

  // A 254-character address: 64 + "@" + 189.
  const longAddress = `${'a'.repeat(64)}@${['b'.repeat(60), 'c'.repeat(60), 'd'.repeat(60), 'example'].join('.')}`.slice(0, 250) + '.net';

  beforeAll(async () => {
    t = await startTestApp('sqlite', { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
  });
  afterAll(async () => t?.close());

  describe('path parameters', () => {
    it('removes a suppression of a 254-character address, percent-encoded', async () => {
      expect(longAddress).toHaveLength(254);
      const add = await api({ method: 'POST', url: '/suppressions', payload: { address: longAddress } });
      expect(add.statusCode, add.body).toBe(201);
      const del = await api({ method: 'DELETE', url: `/suppressions/${encodeURIComponent(longAddress)}` });
      expect(del.statusCode, del.body).toBe(204);
      expectError(await api({ method: 'DELETE', url: `/suppressions/${encodeURIComponent(longAddress)}` }), 404, 'MAILROOM_E_NOT_FOUND');
    });

    it('takes an address with every character percent-encoded (three times its length)', async () => {
      const encoded = [...Buffer.from('x'.repeat(300) + '@example.net')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
      expect(encoded.length).toBeGreaterThan(900);
      expectError(await api({ method: 'DELETE', url: `/suppressions/${encoded}` }), 404, 'MAILROOM_E_NOT_FOUND');
    });

    it('reaches the handler for long domains on /dkim/:domain and /domains/:domain/check', async () => {
      const domain = `${['a'.repeat(60), 'b'.repeat(60), 'c'.repeat(60)].join('.')}.example.com`;
      expectError(await api({ method: 'GET', url: `/dkim/${domain}` }), 404, 'MAILROOM_E_NOT_FOUND');
      // Longer than a domain may be: the route's own check names the parameter.
      const tooLong = `${'d'.repeat(63)}.`.repeat(5) + 'com';
      const e = expectError(await api({ method: 'GET', url: `/domains/${tooLong}/check` }), 400, 'MAILROOM_E_VALIDATION');
      expect(e.message).toMatch(/domain/);
    });

    it('refuses a parameter longer than 1,024 characters in the documented shape', async () => {
      const e = expectError(await api({ method: 'GET', url: `/messages/${'x'.repeat(1025)}` }), 400, 'MAILROOM_E_VALIDATION');
      expect(e.message).toMatch(/1024|1,024/);
      expect(e.details).toMatchObject({ field: 'path', maxLength: 1024 });
      // At the bound it reaches the route, whose own check answers.
      const atBound = expectError(await api({ method: 'GET', url: `/messages/${'x'.repeat(1024)}` }), 400, 'MAILROOM_E_VALIDATION');
      expect(atBound.details).toEqual({ field: 'id' });
    });

    it('refuses broken percent-encoding in the documented shape, with the usual headers, signed in or not', async () => {
      for (const key of [undefined, null]) {
        const res = await api({ method: 'GET', url: '/messages/%ff', key });
        const e = expectError(res, 400, 'MAILROOM_E_VALIDATION');
        expect(e.message).toMatch(/percent|encod/i);
        expect(e.details).toMatchObject({ field: 'path' });
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['content-security-policy']).toContain("default-src 'none'");
      }
    });
  });

  describe('bodies', () => {
    it('treats an empty body with a JSON content type as no body on routes that take none', async () => {
      await api({ method: 'POST', url: '/suppressions', payload: { address: 'curl@example.net' } });
      const json = { 'content-type': 'application/json' };
      const del = await api({ method: 'DELETE', url: '/suppressions/curl%40example.net', headers: json });
      expect(del.statusCode, del.body).toBe(204);
      // A body-less POST: the handler runs (and finds no such message).
      expectError(await api({ method: 'POST', url: '/messages/nope/retry', headers: json }), 404, 'MAILROOM_E_NOT_FOUND');
      // Any other content type with an empty body is no body either.
      expectError(await api({ method: 'DELETE', url: '/suppressions/curl%40example.net', headers: { 'content-type': 'text/plain' } }), 404, 'MAILROOM_E_NOT_FOUND');
    });

    it('says a required body is missing, with or without a content type', async () => {
      for (const headers of [{ 'content-type': 'application/json' }, { 'content-type': 'application/json; charset=utf-8' }, {}] as Record<string, string>[]) {
        const e = expectError(await api({ method: 'POST', url: '/suppressions', headers }), 400, 'MAILROOM_E_VALIDATION');
        expect(e.message, JSON.stringify(headers)).toMatch(/body is missing/);
        expect(e.message).toMatch(/application\/json/);
        expect(e.details).toMatchObject({ field: 'body' });
      }
      // A route whose body fields are all optional takes no body as {} (the handler runs and
      // finds no such account), with or without a content type.
      for (const headers of [{ 'content-type': 'application/json' }, {}] as Record<string, string>[]) {
        expectError(await api({ method: 'POST', url: '/accounts/acc_nope/test', headers }), 404, 'MAILROOM_E_NOT_FOUND');
      }
      // A body that is JSON but not an object is still named as such.
      const e = expectError(await api({ method: 'POST', url: '/suppressions', payload: '[]', headers: { 'content-type': 'application/json' } }), 400, 'MAILROOM_E_VALIDATION');
      expect(e.message).toBe("body: must be an object, not a list");
    });

    it('tells a body of another content type to be application/json', async () => {
      const cases: [string | undefined, string][] = [
        ['text/plain', 'address=x@example.net'],
        ['application/x-www-form-urlencoded', 'address=x%40example.net'],
        ['multipart/form-data; boundary=x', '--x--'],
        [undefined, '{"address":"x@example.net"}'],
      ];
      for (const [type, payload] of cases) {
        const e = expectError(await api({ method: 'POST', url: '/suppressions', payload, headers: type ? { 'content-type': type } : {} }), 400, 'MAILROOM_E_VALIDATION');
        expect(e.message, String(type)).toMatch(/send the body as application\/json/);
        expect(e.details).toMatchObject({ field: 'content-type', accepted: ['application/json'] });
      }
      // A content-type header that does not parse.
      const e = expectError(await api({ method: 'POST', url: '/suppressions', payload: '{}', headers: { 'content-type': 'json' } }), 400, 'MAILROOM_E_VALIDATION');
      expect(e.message).toMatch(/content-type header does not parse; send the body as application\/json/);
    });

    it('says what is wrong with JSON that does not parse', async () => {
      const json = { 'content-type': 'application/json' };
      const e = expectError(await api({ method: 'POST', url: '/suppressions', payload: '{"address":', headers: json }), 400, 'MAILROOM_E_MALFORMED_JSON');
      expect(e.message).toMatch(/not valid JSON: .*(end|Unexpected|position)/i);
      const proto = expectError(await api({ method: 'POST', url: '/suppressions', payload: '{"address":"x@example.net","__proto__":{"admin":true}}', headers: json }), 400, 'MAILROOM_E_MALFORMED_JSON');
      expect(proto.message).toMatch(/__proto__/);
    });

    it('refuses a body that is not UTF-8, or declares another charset, and stores nothing', async () => {
      const before = (await api({ method: 'GET', url: '/suppressions' })).json().items.length;
      // "é" in Latin-1 (0xE9), as a client that does not encode its text sends it.
      const latin1 = Buffer.concat([Buffer.from('{"address":"ren'), Buffer.from([0xe9]), Buffer.from('@example.net"}')]);
      const e = expectError(await api({ method: 'POST', url: '/suppressions', payload: latin1, headers: { 'content-type': 'application/json' } }), 400, 'MAILROOM_E_MALFORMED_JSON');
      expect(e.message).toBe('the request body is not valid UTF-8: the bytes at offset 15 are not a UTF-8 character (JSON must be sent as UTF-8)');
      expect(e.details).toEqual({ offset: 15 });
      // An overlong form and a surrogate encoded in UTF-8 are not UTF-8 either.
      for (const bad of [[0xc0, 0xaf], [0xed, 0xa0, 0x80]]) {
        const body = Buffer.concat([Buffer.from('{"address":"a'), Buffer.from(bad), Buffer.from('@example.net"}')]);
        expect(expectError(await api({ method: 'POST', url: '/suppressions', payload: body, headers: { 'content-type': 'application/json' } }), 400, 'MAILROOM_E_MALFORMED_JSON').details).toEqual({ offset: 13 });
      }
      const foreign = expectError(await api({ method: 'POST', url: '/suppressions', payload: '{"address":"x@example.net"}', headers: { 'content-type': 'application/json; charset=ISO-8859-1' } }), 400, 'MAILROOM_E_VALIDATION');
      expect(foreign.message).toBe('content-type: the body must be UTF-8 JSON; charset=ISO-8859-1 is not accepted (send charset=utf-8, or no charset)');
      expect(foreign.details).toMatchObject({ field: 'content-type' });
      expect((await api({ method: 'GET', url: '/suppressions' })).json().items.length).toBe(before);
      // UTF-8, declared or not, in any case, is taken.
      for (const type of ['application/json; charset=utf-8', 'application/json;charset="UTF-8"', 'application/json']) {
        const res = await api({ method: 'POST', url: '/suppressions', payload: Buffer.from(JSON.stringify({ address: `utf8-${type.length}@example.net`, detail: 'René asked' })), headers: { 'content-type': type } });
        expect(res.statusCode, type).toBe(201);
      }
    });

    it('refuses a body over 40 MiB as 413, naming the limit (an event with a huge data said only "larger than this endpoint accepts")', async () => {
      const payload = `{"address":"${'x'.repeat(40 * 1024 * 1024)}"}`;
      const e = expectError(await api({ method: 'POST', url: '/suppressions', payload, headers: { 'content-type': 'application/json' } }), 413, 'MAILROOM_E_PAYLOAD_TOO_LARGE');
      expect(e.message).toBe('the request body is larger than 40 MiB (41,943,040 bytes), the most one request may carry');
      expect(e.details).toEqual({ maxBytes: 41_943_040 });
      const event = `{"type":"x.y","data":{"s":"${'x'.repeat(40 * 1024 * 1024)}"}}`;
      expect(expectError(await api({ method: 'POST', url: '/events', payload: event, headers: { 'content-type': 'application/json' } }), 413, 'MAILROOM_E_PAYLOAD_TOO_LARGE').details).toEqual({ maxBytes: 41_943_040 });
    });

    it('refuses JSON nested deeper than 64 levels quickly, whatever the depth', async () => {
      const json = { 'content-type': 'application/json' };
      for (const depth of [65, 10_000, 1_000_000]) {
        const started = Date.now();
        const e = expectError(await api({ method: 'POST', url: '/events', payload: `{"type":"x.y","data":${'['.repeat(depth)}${']'.repeat(depth)}}`, headers: json }), 400, 'MAILROOM_E_VALIDATION');
        expect(e.message).toMatch(/deeper than 64/);
        expect(e.details).toMatchObject({ field: 'body', maxDepth: 64 });
        expect(Date.now() - started, String(depth)).toBeLessThan(2_000);
      }
      const bare = expectError(await api({ method: 'POST', url: '/suppressions', payload: '['.repeat(10_000) + ']'.repeat(10_000), headers: json }), 400, 'MAILROOM_E_VALIDATION');
      expect(bare.message).toMatch(/deeper than 64/);
      // Brackets inside strings are text, not nesting.
      const inString = await api({ method: 'POST', url: '/suppressions', payload: JSON.stringify({ address: 'deep@example.net', detail: '['.repeat(400) }), headers: json });
      expect(inString.statusCode, inString.body).toBe(201);
      // At 64 levels the parser lets it through and the field's own rule answers.
      const nested = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
      const inner = expectError(await api({ method: 'POST', url: '/events', payload: `{"type":"x.y","data":${nested(63)}}`, headers: json }), 400, 'MAILROOM_E_VALIDATION');
      expect(inner.message).toBe('data: nests deeper than 20 levels');
    });
  });

  describe('not found', () => {
    it('answers every 404 in the envelope of the others: code, message and details naming what was not found', async () => {
      const route = expectError(await api({ method: 'GET', url: '/no-such-thing?x=1' }), 404, 'MAILROOM_E_NOT_FOUND');
      expect(route).toEqual({ code: 'MAILROOM_E_NOT_FOUND', message: 'no route for GET /api/v1/no-such-thing', details: { kind: 'route', method: 'GET', path: '/api/v1/no-such-thing' } });
      const post = expectError(await api({ method: 'POST', url: '/messages/x/y/z', payload: {} }), 404, 'MAILROOM_E_NOT_FOUND');
      expect(post.details).toEqual({ kind: 'route', method: 'POST', path: '/api/v1/messages/x/y/z' });
      // A resource that does not exist says its kind and id, as before.
      expect(expectError(await api({ method: 'GET', url: '/messages/msg_missing' }), 404, 'MAILROOM_E_NOT_FOUND').details).toEqual({ kind: 'message', id: 'msg_missing' });
      // The relay's certificate with the relay off, and a composed message's raw MIME: a kind too.
      expect(expectError(await api({ method: 'GET', url: '/relay/certificate' }), 404, 'MAILROOM_E_NOT_FOUND').details).toEqual({ kind: 'relay certificate' });
      const sent = (await api({ method: 'POST', url: '/messages', payload: { to: ['a@example.net'], subject: 's', text: 't' } })).json();
      expect(expectError(await api({ method: 'GET', url: `/messages/${sent.id}/raw` }), 404, 'MAILROOM_E_NOT_FOUND').details).toEqual({ kind: 'message raw', id: sent.id });
    });
  });

  describe('query parameters', () => {
    it('names a list parameter given more than once', async () => {
      for (const url of ['/suppressions', '/messages', '/audit', '/events', '/relay/rejections']) {
        const e = expectError(await api({ method: 'GET', url: `${url}?limit=10&limit=20` }), 400, 'MAILROOM_E_VALIDATION');
        expect(e.message, url).toBe('limit: must be given once (it was given 2 times)');
        expect(e.details).toEqual({ field: 'limit' });
      }
      const e = expectError(await api({ method: 'GET', url: '/messages?status=sent&status=failed&status=queued' }), 400, 'MAILROOM_E_VALIDATION');
      expect(e.message).toBe('status: must be given once (it was given 3 times)');
      // Once is fine.
      expect((await api({ method: 'GET', url: '/suppressions?limit=10' })).statusCode).toBe(200);
    });

    it('takes a page size as digits, documents it as an integer, and refuses anything else naming limit', async () => {
      const doc = (await t.request({ method: 'GET', url: '/docs/json', key: null })).json();
      for (const url of ['/suppressions', '/messages', '/audit', '/events', '/relay/rejections', '/webhooks/{id}/deliveries']) {
        const limit = doc.paths[`/api/v1${url}`].get.parameters.find((p: { name: string; in: string }) => p.name === 'limit' && p.in === 'query');
        expect(limit?.schema?.type, url).toBe('integer');
        const path = url.replace('{id}', 'whk_00000000000000000000000000');
        if (path.startsWith('/webhooks')) continue;
        expect((await api({ method: 'GET', url: `${path}?limit=2` })).statusCode, url).toBe(200);
        expect(expectError(await api({ method: 'GET', url: `${path}?limit=two` }), 400, 'MAILROOM_E_VALIDATION')).toEqual({ code: 'MAILROOM_E_VALIDATION', message: 'limit: must be a whole number', details: { field: 'limit' } });
        expect(expectError(await api({ method: 'GET', url: `${path}?limit=0` }), 400, 'MAILROOM_E_VALIDATION').details, url).toEqual({ field: 'limit' });
        expect(expectError(await api({ method: 'GET', url: `${path}?limit=1.5` }), 400, 'MAILROOM_E_VALIDATION').details, url).toEqual({ field: 'limit' });
        // A whole number out of range is told the range, negative or huge, not that it is no whole number.
        for (const n of ['-1', '99999999999999999']) expect(expectError(await api({ method: 'GET', url: `${path}?limit=${n}` }), 400, 'MAILROOM_E_VALIDATION').message, `${url} ${n}`).toMatch(/^limit: must be between 1 and \d+, got -?\d+$/);
      }
    });
  });

  describe('over real HTTP', () => {
    let base: URL;
    beforeAll(async () => {
      await t.server.listen({ host: '127.0.0.1', port: 0 });
      base = new URL(`http://127.0.0.1:${(t.server.server.address() as AddressInfo).port}`);
    });

    const raw = (method: string, path: string, headers: Record<string, string | number>, body?: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request({ host: base.hostname, port: base.port, method, path, headers: { authorization: `Bearer ${t.adminKey}`, ...headers } }, (res) => {
          let b = '';
          res.on('data', (c) => (b += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
        });
        req.on('error', reject);
        req.end(body);
      });

    it('accepts curl -X DELETE -H "content-type: application/json" (no body)', async () => {
      await api({ method: 'POST', url: '/suppressions', payload: { address: 'wire@example.net' } });
      const res = await raw('DELETE', '/api/v1/suppressions/wire%40example.net', { 'content-type': 'application/json', 'content-length': 0 });
      expect(res.status, res.body).toBe(204);
      // Chunked with no chunks: also no body.
      const again = await raw('DELETE', '/api/v1/suppressions/wire%40example.net', { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      expect([again.status, JSON.parse(again.body).error.code]).toEqual([404, 'MAILROOM_E_NOT_FOUND']);
    });

    it('answers a broken URL and a long parameter in the documented shape', async () => {
      const bad = await raw('GET', '/api/v1/messages/%ff', {});
      expect([bad.status, JSON.parse(bad.body).error.code]).toEqual([400, 'MAILROOM_E_VALIDATION']);
      const long = await raw('GET', `/api/v1/messages/${'x'.repeat(2000)}`, {});
      expect([long.status, JSON.parse(long.body).error.code]).toEqual([400, 'MAILROOM_E_VALIDATION']);
    });
  });
});
