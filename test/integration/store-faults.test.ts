import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    expect([...codes]).toEqual(['MAILROOM_E_STORE_UNAVAILABLE']);
    // Recovered by itself.
    await expect.poll(async () => (await send(t, 'recovered')).statusCode, { timeout: 10_000 }).toBe(202);
    expect((await t.server.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    // The outage is logged once, not once per refused request.
    const outageLines = t.logLines.filter((l) => l.includes('the database is unavailable'));
    expect(outageLines.length).toBeGreaterThan(0);
    expect(outageLines.length).toBeLessThan(statuses.get(503)! / 4);
    expect(t.logLines.some((l) => l.includes('MAILROOM_E_INTERNAL'))).toBe(false);
  });
});

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
});
