import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A path that ends where a route's parameter would be (`GET /servers/`, a trailing slash) matched
 * `/servers/:id` with an empty id and was answered "server  does not exist" (details.id ""), as
 * if a server had been asked for. It names no item: it is a path no route serves, answered as any
 * other (404 MAILROOM_E_NOT_FOUND, details.kind "route"), before authentication as they are.
 */
await describeEachDialect('an empty path parameter is no route', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  const noRoute = (method: string, path: string) => ({ code: 'MAILROOM_E_NOT_FOUND', message: `no route for ${method} ${path}`, details: { kind: 'route', method, path } });

  it('GET, PATCH and DELETE of /<list>/ and an empty inner segment: the unknown-route 404', async () => {
    for (const path of ['/api/v1/servers/', '/api/v1/accounts/', '/api/v1/users/', '/api/v1/suppressions/', '/api/v1/templates/', '/api/v1/dkim/', '/api/v1/domains//check', '/api/v1/webhooks//deliveries/']) {
      const res = await t.request({ method: 'GET', url: path });
      expect(res.statusCode, `${path} ${res.body}`).toBe(404);
      expect(res.json().error, path).toEqual(noRoute('GET', path));
    }
    for (const method of ['PATCH', 'DELETE'] as const) {
      const res = await t.request({ method, url: '/api/v1/servers/', ...(method === 'PATCH' ? { payload: { version: 1 } } : {}) });
      expect(res.statusCode, res.body).toBe(404);
      expect(res.json().error).toEqual(noRoute(method, '/api/v1/servers/'));
    }
    // Without credentials too, as every unknown route (nothing to authenticate for).
    const stranger = await t.request({ method: 'GET', url: '/api/v1/servers/', key: null });
    expect(stranger.statusCode).toBe(404);
    expect(stranger.json().error).toEqual(noRoute('GET', '/api/v1/servers/'));
    // A real id still names its item.
    expect((await t.request({ method: 'GET', url: '/api/v1/servers/srv_missing' })).json().error.details).toEqual({ kind: 'server', id: 'srv_missing' });
  });
});
