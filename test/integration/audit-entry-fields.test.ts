import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * docs/api.md lists `before` and `after` on every audit entry. An entry that records no state
 * on one side (a create has no `before`, a delete no `after`) left the field out of the JSON, so
 * a client reading `entry.before` got undefined, and the OpenAPI document marked both optional.
 * Every entry carries both, null where nothing was recorded.
 */
await describeEachDialect('audit entries: before and after on every entry', (dialect) => {
  let t: TestApp;
  const api = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) => t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('a create has before: null, a delete after: null; both are there', async () => {
    const server = await api('POST', '/servers', { name: 'audited', smtp: { host: 'smtp.example.com' } });
    expect(server.statusCode, server.body).toBe(201);
    expect((await api('DELETE', `/servers/${server.json().id}`)).statusCode).toBe(204);
    const items = (await api('GET', `/audit?targetId=${server.json().id}`)).json().items as Record<string, unknown>[];
    const created = items.find((e) => e.action === 'server.create');
    const deleted = items.find((e) => e.action === 'server.delete');
    expect(created).toHaveProperty('before', null);
    expect(created?.after).toMatchObject({ name: 'audited' });
    expect(deleted).toHaveProperty('after', null);
    expect(deleted?.before).toMatchObject({ name: 'audited' });
    // Every entry of the log, whatever it records.
    for (const e of (await api('GET', '/audit?limit=500')).json().items as Record<string, unknown>[]) {
      expect(Object.keys(e), String(e.action)).toEqual(expect.arrayContaining(['before', 'after']));
    }
  });
});
