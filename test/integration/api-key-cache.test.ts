import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

// API keys are remembered in the process for a few seconds (src/core/api-key-cache.ts);
// revoking one must still refuse it at once in this process.
await describeEachDialect('API key cache', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  const createKey = async (name: string) => {
    const res = await t.request({ method: 'POST', url: '/api/v1/api-keys', payload: { name, scopes: ['read', 'send'] } });
    expect(res.statusCode).toBe(201);
    return res.json() as { key: string; id: string };
  };

  it('refuses a revoked key on the very next request, although it was just cached', async () => {
    const { key, id } = await createKey('cached');
    for (let i = 0; i < 3; i++) expect((await t.request({ method: 'GET', url: '/api/v1/messages', key })).statusCode).toBe(200);
    expect((await t.request({ method: 'DELETE', url: `/api/v1/api-keys/${id}` })).statusCode).toBe(204);
    const after = await t.request({ method: 'GET', url: '/api/v1/messages', key });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('MAILROOM_E_UNAUTHENTICATED');
  });

  it('keeps other keys working after a revocation empties the cache', async () => {
    const a = await createKey('stays');
    const b = await createKey('goes');
    expect((await t.request({ method: 'GET', url: '/api/v1/messages', key: a.key })).statusCode).toBe(200);
    expect((await t.request({ method: 'DELETE', url: `/api/v1/api-keys/${b.id}` })).statusCode).toBe(204);
    expect((await t.request({ method: 'GET', url: '/api/v1/messages', key: a.key })).statusCode).toBe(200);
    expect((await t.request({ method: 'GET', url: '/api/v1/messages', key: b.key })).statusCode).toBe(401);
  });
});
