import { mkdtempSync, rmSync } from 'node:fs';
import pg from 'pg';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCore } from '../../src/app-core.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createPostgresDatabase, postgresAvailable } from '../helpers/dialects.js';
import { havePgbouncer, startPgbouncer, type RunningPgbouncer } from '../helpers/pgbouncer.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/** Ends every PostgreSQL session on the database of `url` (PgBouncer's server connections among them). */
async function terminateBackends(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: url.replace(`/${name}`, '/postgres') });
  await admin.connect();
  await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [name]);
  await admin.end();
}

const quiet = () =>
  createLogger(
    'error',
    new Writable({
      write: (_c, _e, cb) => cb(),
    }),
  );

/**
 * Behind PgBouncer 1.18 (Debian bookworm's), which knows nothing of prepared statements. In
 * transaction mode it hands each transaction of a client connection to any server connection,
 * where Mailroom's named statements (its BEGIN, the outbox's hot statements) are missing or there
 * already: Mailroom started silently, then a random share of its requests failed with 500. Now
 * it refuses to start, naming PgBouncer and the fix; a pool switched to transaction mode under a
 * running process answers 503 saying the same, logged once per cause.
 */
describe.skipIf(!(await postgresAvailable()) || !havePgbouncer())('behind PgBouncer [postgres]', () => {
  let bouncer: RunningPgbouncer;
  let t: TestApp | undefined;
  let dropLater: (() => Promise<void>) | undefined;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-pgbouncer-data-'));
  beforeAll(async () => {
    bouncer = await startPgbouncer({ poolMode: 'session', poolSize: 20 });
  });
  afterAll(async () => {
    await t?.close();
    await bouncer?.stop();
    await dropLater?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('in session mode: starts and serves', async () => {
    t = await startTestApp('postgres', { env: { MAILROOM_MAIL_DRIVER: 'log' }, databaseUrl: (url) => bouncer.url(url) });
    const res = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['ops@example.net'], subject: 'through PgBouncer', text: 'x' } });
    expect(res.statusCode, res.body).toBe(202);
  });

  it('switched to transaction mode under a running process: 503 MAILROOM_E_STORE_UNAVAILABLE naming PgBouncer and the fix (never 500), logged once per cause', async () => {
    const app = t!;
    await bouncer.switchTo('transaction');
    // The process's connections start over (as after any restart of PgBouncer or PostgreSQL): new
    // server connections, which know none of the statements the clients prepare on them.
    await terminateBackends(app.databaseUrl!);
    const from = app.logLines.length;
    const answers = [];
    for (let round = 0; round < 20; round++) {
      answers.push(
        ...(await Promise.all([
          ...Array.from({ length: 3 }, (_, i) => app.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['ops@example.net'], subject: `transaction mode ${round}.${i}`, text: 'x' } })),
          app.request({ method: 'GET', url: '/api/v1/messages' }),
        ])),
      );
    }
    const refused = answers.filter((r) => r.statusCode >= 300);
    expect(refused.length).toBeGreaterThan(0);
    const naming = /PgBouncer in transaction mode needs version 1\.21 or later with max_prepared_statements set, or use pool_mode = session/;
    for (const res of refused) {
      expect(res.statusCode, res.body).toBe(503);
      expect(res.json().error.code).toBe('MAILROOM_E_STORE_UNAVAILABLE');
      // On a busy machine a pooled connection may be used before its termination (57P01) was read:
      // that request is told the connection went, the others what PgBouncer needs.
      expect(res.json().error.message).toMatch(new RegExp(`${naming.source}|\\(57P01\\)`));
    }
    expect(refused.some((res) => naming.test(res.json().error.message))).toBe(true);
    const lines = app.logLines.slice(from);
    expect(lines.filter((l) => /unhandled error|MAILROOM_E_INTERNAL/.test(l))).toEqual([]);
    // One line per SQLSTATE seen (26000 missing, 42P05 there already), not one per request.
    const outages = lines.filter((l) => l.includes('PgBouncer'));
    expect(outages.length).toBeGreaterThan(0);
    expect(outages.length).toBeLessThanOrEqual(2);
    await bouncer.switchTo('session');
  }, 30_000);

  it('in transaction mode at start: refuses to start with MAILROOM_E_CONFIG naming PgBouncer and the fix, before any migration', async () => {
    await t?.close();
    t = undefined;
    await bouncer.switchTo('transaction');
    const empty = await createPostgresDatabase();
    dropLater = empty.drop;
    const config = loadConfig({ MAILROOM_DATA_DIR: dataDir, DATABASE_URL: bouncer.url(empty.url), MAILROOM_ADMIN_EMAIL: 'admin@example.com', MAILROOM_ADMIN_PASSWORD: 'correct-horse-battery' }, { runWorkers: false });
    await expect(openCore(config, { logger: quiet() })).rejects.toMatchObject({
      code: 'MAILROOM_E_CONFIG',
      message: expect.stringMatching(/connection pooler that loses prepared statements .*\(SQLSTATE (26000|42P05)\): PgBouncer in transaction mode needs version 1\.21 or later with max_prepared_statements set .*pool_mode = session/),
    });
    // Refused every time, not only by luck of which server connection a statement met.
    for (let i = 0; i < 3; i++) await expect(openCore(config, { logger: quiet() })).rejects.toMatchObject({ code: 'MAILROOM_E_CONFIG' });
    // Before any migration: the database was left as it was.
    const c = new pg.Client({ connectionString: empty.url });
    await c.connect();
    const tables = await c.query("select count(*)::int as n from pg_tables where schemaname = 'public'");
    await c.end();
    expect(tables.rows[0].n).toBe(0);
  }, 30_000);
});
