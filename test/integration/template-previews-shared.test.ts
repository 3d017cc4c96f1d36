import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApiKey } from '../../src/core/access/api-keys.service.js';
import { ManualClock } from '../../src/core/kernel/clock.js';
import { keepPreviewPage, type PreviewLimits } from '../../src/core/templates/preview-pages.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Template and layout previews are kept in the store for a minute, not in one process's memory:
 * the editor's frame loads `htmlUrl` from whichever process the load balancer picks. What they
 * may hold is bounded: a caller's oldest go when it keeps too many or too much, and past the
 * total the next one is refused (429). SQLite has one process per file: there the "other
 * process" is the same one.
 */
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

await describeEachDialect('Template previews shared through the store', (dialect) => {
  let a: TestApp;
  /** A second process on a's database (PostgreSQL); on SQLite, a itself. */
  let b: TestApp;
  let reader = '';
  const clock = new ManualClock(Date.now());

  const call = (t: TestApp, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object, key?: string) =>
    t.request({ method, url: url.startsWith('/') ? url : `/api/v1/${url}`, ...(payload ? { payload } : {}), ...(key ? { key } : {}) });
  const preview = async (t: TestApp, body: object = {}, key?: string): Promise<Json> => {
    const res = await call(t, 'POST', 'templates/password_reset/preview', body, key);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  beforeAll(async () => {
    // One master key for both, as processes sharing a database must have.
    const env = { MAILROOM_SECRET_KEY: randomBytes(32).toString('base64') };
    a = await startTestApp(dialect, { env, clock });
    b = dialect === 'postgres' ? await startTestApp('postgres', { env, clock, databaseUrl: () => a.databaseUrl! }) : a;
    reader = (await createApiKey(a.app.ports.ctx, { label: 'test', ip: null }, { name: 'reader', scopes: ['read'], allowOverride: false }, null)).key;
  });
  afterAll(async () => {
    if (b !== a) await b?.close();
    await a?.close();
  });

  it('a preview rendered by one process is served by another, for a minute', async () => {
    const p = await preview(a, { locale: 'de' });
    expect(p.htmlUrl).toMatch(/^\/api\/v1\/previews\/[A-Za-z0-9_-]+$/);
    const page = await call(b, 'GET', p.htmlUrl);
    expect(page.statusCode, page.body).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toBe(p.html);
    clock.advance(61_000);
    const gone = await call(b, 'GET', p.htmlUrl);
    expect(gone.statusCode).toBe(404);
    expect(gone.json().error.code).toBe('MAILROOM_E_NOT_FOUND');
  });

  it("a caller keeps its 10 newest previews: the 11th evicts that caller's oldest, not another's", async () => {
    const other = await preview(a);
    const mine: string[] = [];
    for (let i = 0; i < 11; i++) mine.push((await preview(i % 2 ? a : b, {}, reader)).htmlUrl);
    expect((await call(b, 'GET', mine[0])).statusCode).toBe(404);
    for (const url of mine.slice(1)) expect((await call(a, 'GET', url)).statusCode).toBe(200);
    expect((await call(b, 'GET', other.htmlUrl)).statusCode).toBe(200);
  });

  it('expired previews leave the store when the next one is kept', async () => {
    clock.advance(61_000);
    await preview(a);
    const rows = await a.app.infra.db.selectFrom('preview_pages').select(['id', 'expires_at']).execute();
    expect(rows.length).toBe(1);
    expect(rows[0].expires_at).toBe(clock.now() + 60_000);
  });

  it('past the total, the next preview is refused with 429 and when to try again', async () => {
    clock.advance(61_000);
    const limits: PreviewLimits = { ttlMs: 60_000, perCaller: 10, callerBytes: 4000, totalBytes: 5000 };
    const ctx = a.app.ports.ctx;
    await keepPreviewPage(ctx, 'p1', 'x'.repeat(3000), limits);
    clock.advance(10_000);
    await keepPreviewPage(ctx, 'p2', 'y'.repeat(1500), limits);
    const refused = await keepPreviewPage(ctx, 'p3', 'z'.repeat(1000), limits).catch((err: unknown) => err);
    expect(refused).toMatchObject({ code: 'MAILROOM_E_RATE_LIMITED', details: { retryAfterSec: 50 } });
    // A caller's own bytes: its oldest make room (2 × 3000 > 4000).
    const second = await keepPreviewPage(ctx, 'p1', 'w'.repeat(3000), limits).catch((err: unknown) => err);
    expect(second).toMatch(/^[A-Za-z0-9_-]+$/);
    const owners = await a.app.infra.db.selectFrom('preview_pages').select(['owner', 'bytes']).orderBy('created_at').execute();
    expect(owners).toEqual([
      { owner: 'p2', bytes: 1500 },
      { owner: 'p1', bytes: 3000 },
    ]);
  });
});
