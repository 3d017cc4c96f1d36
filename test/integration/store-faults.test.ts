import Database from 'better-sqlite3';
import { sql } from 'kysely';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_CONTRACTS } from '../../src/http/route-contracts.generated.js';
import { postgresAvailable } from '../helpers/dialects.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const send = (t: TestApp, subject: string, text = 'x') => t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['ops@example.net'], subject, text } });
const count = async (t: TestApp) => Number((await sql<{ n: number }>`select count(*) as n from messages`.execute(t.app.infra.db)).rows[0].n);

/**
 * PostgreSQL that vanishes and returns, through a TCP proxy Mailroom connects to: connections
 * cut while queries run (the pg client then emits 'error' while checked out, which crashed the
 * process), and a port that refuses connections. The API answers 503 with Retry-After, never
 * 500; /readyz fails; both recover by themselves.
 */
describe.skipIf(!(await postgresAvailable()))('store faults [postgres]', () => {
  let t: TestApp;
  let proxy: TcpProxy;
  beforeAll(async () => {
    proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
    t = await startTestApp('postgres', { env: { MAILROOM_MAIL_DRIVER: 'log' }, databaseUrl: (url) => url.replace(':5432/', `:${proxy.port}/`) });
  });
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
  });

  it('a connection cut while idle: nothing crashes, the next request works', async () => {
    expect((await send(t, 'before')).statusCode).toBe(202);
    expect(proxy.open).toBeGreaterThan(0);
    proxy.cut();
    await new Promise((r) => setTimeout(r, 100));
    expect((await send(t, 'after')).statusCode).toBe(202);
  });

  it('under load: cuts and a database away answer 503 with Retry-After (never 500), and recover', async () => {
    const statuses = new Map<number, number>();
    const codes = new Set<string>();
    // Collected rather than asserted inside the loops, so a failure names every bad answer.
    const withoutRetryAfter: string[] = [];
    let stop = false;
    const loop = async (n: number) => {
      for (let i = 0; !stop; i++) {
        const res = await send(t, `load ${n}.${i}`);
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        if (res.statusCode !== 202) {
          codes.add(res.json().error.code);
          if (res.headers['retry-after'] !== '5') withoutRetryAfter.push(`${res.statusCode} ${res.body}`);
        }
      }
    };
    const loops = Array.from({ length: 16 }, (_, n) => loop(n));
    await new Promise((r) => setTimeout(r, 300));
    proxy.cut(); // mid-query: checked-out clients emit 'error'
    await new Promise((r) => setTimeout(r, 300));
    await proxy.down(); // refused
    await new Promise((r) => setTimeout(r, 300));
    const ready = await t.server.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    const whileDown = await send(t, 'while down');
    expect(whileDown.statusCode).toBe(503);
    expect(whileDown.json().error.code).toBe('MAILROOM_E_STORE_UNAVAILABLE');
    await proxy.up();
    await new Promise((r) => setTimeout(r, 300));
    proxy.cut();
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    await Promise.all(loops);
    expect(withoutRetryAfter).toEqual([]);
    expect([...statuses.keys()].sort()).toEqual([202, 503]);
    // A request whose COMMIT was on its way when the connection was cut is told its outcome is unknown (store-commit-outcome.test.ts).
    expect([...codes].filter((c) => c !== 'MAILROOM_E_STORE_OUTCOME_UNKNOWN')).toEqual(['MAILROOM_E_STORE_UNAVAILABLE']);
    // Recovered by itself.
    await expect.poll(async () => (await send(t, 'recovered')).statusCode, { timeout: 10_000 }).toBe(202);
    expect((await t.server.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    // The outage is logged once, not once per refused request.
    const outageLines = t.logLines.filter((l) => l.includes('the database is unavailable'));
    expect(outageLines.length).toBeGreaterThan(0);
    expect(outageLines.length).toBeLessThan(statuses.get(503)! / 4);
    expect(t.logLines.some((l) => l.includes('MAILROOM_E_INTERNAL'))).toBe(false);
  });

  it('every route of the table, while the database is away: 503 with Retry-After (never 500), and each recovers', async () => {
    const routes = Object.keys(ROUTE_CONTRACTS).map((k) => {
      const [method, pattern] = k.split(' ');
      const url = (ROOT_PATHS.has(pattern) ? '' : '/api/v1') + pattern.replace(/:(\w+)/g, (_m, p: string) => SAMPLE_PARAMS[p] ?? 'x');
      return { method: method as 'GET', url };
    });
    expect(routes.length).toBeGreaterThan(100);
    const call = (r: { method: 'GET'; url: string }) => t.request({ method: r.method, url: r.url, ...(r.method === 'GET' || r.method === 'DELETE' ? {} : { payload: {} }) });
    // Up: no route answers 5xx to these requests (so what follows is the outage's doing).
    const whenUp = new Map<string, number>();
    for (const r of routes) {
      const status = (await call(r)).statusCode;
      expect(status, `${r.method} ${r.url} with the database up`).toBeLessThan(500);
      whenUp.set(`${r.method} ${r.url}`, status);
    }

    await proxy.down();
    try {
      const answers: { route: string; status: number; code?: string; retryAfter?: string }[] = [];
      for (const r of routes) {
        const res = await call(r);
        answers.push({ route: `${r.method} ${r.url}`, status: res.statusCode, code: res.statusCode >= 400 && res.headers['content-type']?.toString().includes('json') ? res.json().error?.code : undefined, retryAfter: res.headers['retry-after']?.toString() });
      }
      // Every route answers 503 with Retry-After, the API's with the store's code (/readyz with its
      // probe body: not ready, and why); never a 500. A route may answer as it did with the
      // database up only when it needed no database for it: liveness; /metrics, which drops the
      // outbox gauges and keeps the counters (docs/operations.md); the session, presets and relay
      // status read from memory (the key from its cache); a body refused by validation or an
      // env-locked server before any look-up.
      const expected = (a: (typeof answers)[number]) =>
        (a.status === 503 && a.retryAfter === '5' && (a.route === 'GET /readyz' || a.code === 'MAILROOM_E_STORE_UNAVAILABLE')) ||
        (a.status < 500 && a.status === whenUp.get(a.route) && a.route !== 'GET /readyz');
      expect(answers.filter((a) => !expected(a))).toEqual([]);
      // What cannot be answered without the database is a 503, cached key or not.
      const needsStore = ['GET /api/v1/messages', 'GET /api/v1/messages/x', 'GET /api/v1/messages/stats', 'GET /api/v1/users', 'GET /api/v1/api-keys', 'GET /api/v1/audit', 'GET /api/v1/events', 'GET /api/v1/webhooks', 'GET /api/v1/suppressions', 'GET /api/v1/smtp-credentials'];
      expect(answers.filter((a) => needsStore.includes(a.route)).map((a) => `${a.route} ${a.status}`).sort()).toEqual(needsStore.map((r) => `${r} 503`).sort());
      // /metrics leaves the outbox gauges out once no recent count can stand in for one: a count
      // that took 50 ms or more is reused for up to twice twenty times its duration (QueueCounts),
      // so on a busy machine the first scrape after the cut may still show the last one.
      await expect
        .poll(async () => (await t.server.inject({ method: 'GET', url: '/metrics' })).body, { timeout: 15_000, interval: 200 })
        .not.toContain('mailroom_outbox_messages');
      const valid = await send(t, 'while away');
      expect([valid.statusCode, valid.headers['retry-after'], valid.json().error.code]).toEqual([503, '5', 'MAILROOM_E_STORE_UNAVAILABLE']);
    } finally {
      await proxy.up();
    }
    await expect.poll(async () => (await t.server.inject({ method: 'GET', url: '/readyz' })).statusCode, { timeout: 10_000 }).toBe(200);
    for (const r of routes) expect((await call(r)).statusCode, `${r.method} ${r.url} after the database returned`).toBeLessThan(500);
  });
});

/**
 * A full disk on PostgreSQL. The shared server's disk cannot be filled from a test, so PostgreSQL
 * itself raises what it raises when a write finds no space (SQLSTATE 53100 disk_full) from a
 * trigger on the table POST /messages writes: the real driver, the real error, the real path.
 */
describe.skipIf(!(await postgresAvailable()))('store faults [postgres, disk full]', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('postgres', { env: { MAILROOM_MAIL_DRIVER: 'log' } });
  });
  afterAll(async () => t?.close());

  it('a full disk is 507 MAILROOM_E_STORE_FULL, stores nothing half, logs the cause once, and recovers', async () => {
    expect((await send(t, 'fits')).statusCode).toBe(202);
    const before = await count(t);
    await sql`create function mailroom_test_disk_full() returns trigger language plpgsql as $$ begin raise exception 'could not extend file: No space left on device' using errcode = 'disk_full'; end $$`.execute(t.app.infra.db);
    await sql`create trigger mailroom_test_disk_full before insert on messages for each row execute function mailroom_test_disk_full()`.execute(t.app.infra.db);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await send(t, `no space ${i}`));
    expect(answers.map((r) => r.statusCode)).toEqual([507, 507, 507, 507]);
    expect(answers[0].json().error.code).toBe('MAILROOM_E_STORE_FULL');
    expect(answers[0].json().error.message).toMatch(/disk is full/);
    expect(answers[0].headers['retry-after']).toBe('5');
    expect(await count(t)).toBe(before);
    expect(t.logLines.filter((l) => l.includes('the disk under the database is full')).length).toBe(1);
    expect(t.logLines.some((l) => l.includes('MAILROOM_E_INTERNAL'))).toBe(false);
    await sql`drop trigger mailroom_test_disk_full on messages`.execute(t.app.infra.db);
    await sql`drop function mailroom_test_disk_full()`.execute(t.app.infra.db);
    expect((await send(t, 'space again')).statusCode).toBe(202);
    expect(await count(t)).toBe(before + 1);
  });
});

/** Served outside /api/v1 (src/http/routes/index.ts, ROOT). */
const ROOT_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
/** Path parameters that pass the routes' format checks, so the request reaches the store. */
const SAMPLE_PARAMS: Record<string, string> = { domain: 'example.com', address: 'nobody%40example.net', name: 'sample_secret', key: 'password_reset', version: '1' };

/**
 * A full disk on SQLite (the database may not grow: max_page_count, which SQLite answers with
 * the same SQLITE_FULL as a full file system). Before, the real cause was hidden behind
 * "cannot rollback - no transaction is active" and the answer was a generic 500.
 */
describe('store faults [sqlite]', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite', { env: { MAILROOM_MAIL_DRIVER: 'log' } });
  });
  afterAll(async () => t?.close());

  it('a full disk is 507 MAILROOM_E_STORE_FULL, stores nothing half, logs the cause once, and recovers', async () => {
    expect((await send(t, 'fits')).statusCode).toBe(202);
    const before = await count(t);
    const pages = Number((await sql<{ page_count: number }>`pragma page_count`.execute(t.app.infra.db)).rows[0].page_count);
    await sql.raw(`pragma max_page_count = ${pages + 2}`).execute(t.app.infra.db);
    const big = 'x'.repeat(64 * 1024);
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await send(t, `too big ${i}`, big));
    const full = answers.filter((r) => r.statusCode === 507);
    expect(full.length).toBeGreaterThan(0);
    expect(answers.every((r) => r.statusCode === 202 || r.statusCode === 507)).toBe(true);
    expect(full[0].json().error.code).toBe('MAILROOM_E_STORE_FULL');
    expect(full[0].json().error.message).toMatch(/disk is full/);
    expect(full[0].headers['retry-after']).toBe('5');
    expect(await count(t)).toBe(before + answers.filter((r) => r.statusCode === 202).length);
    expect(t.logLines.filter((l) => l.includes('the disk under the database is full')).length).toBe(1);
    expect(t.logLines.some((l) => l.includes('cannot rollback'))).toBe(false);
    await sql.raw('pragma max_page_count = 1073741823').execute(t.app.infra.db);
    expect((await send(t, 'space again', big)).statusCode).toBe(202);
  });

  it('the database file locked by another process past busy_timeout is 503 MAILROOM_E_STORE_UNAVAILABLE with Retry-After, not 500, and recovers', async () => {
    // Another program (a backup tool, a sqlite3 shell) holds the write lock for longer than the 5 s Mailroom waits.
    const other = new Database(path.join(t.dataDir, 'mailroom.db'));
    try {
      other.exec('begin exclusive');
      const res = await send(t, 'while locked');
      expect(res.statusCode, res.body).toBe(503);
      expect(res.json().error.code).toBe('MAILROOM_E_STORE_UNAVAILABLE');
      expect(res.headers['retry-after']).toBe('5');
    } finally {
      if (other.inTransaction) other.exec('rollback');
      other.close();
    }
    expect((await send(t, 'unlocked')).statusCode).toBe(202);
    expect(t.logLines.some((l) => l.includes('MAILROOM_E_INTERNAL'))).toBe(false);
  }, 30_000);
});
