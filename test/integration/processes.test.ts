import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { systemClock } from '../../src/core/kernel/clock.js';
import { newId } from '../../src/core/kernel/ids.js';
import { ALIVE_WITHIN_MS, PRUNE_AFTER_MS } from '../../src/core/processes/processes.service.js';
import { createLogger } from '../../src/logger.js';
import { ProcessHeartbeat } from '../../src/processes/heartbeat.js';
import { openDatabase } from '../../src/store/database.js';
import { processesRepository } from '../../src/store/repositories/processes.repository.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Every `mailroom start` / `mailroom worker` records itself in the store and refreshes a
 * heartbeat: GET /processes lists them, alive or gone, the answering one marked `self`. On
 * PostgreSQL two apps on one database see each other; a clean stop removes a process; one whose
 * heartbeat stopped shows as gone. SQLite lists its one process. A heartbeat while the database
 * is away neither throws nor logs at error level.
 */
type Listed = { id: string; role: string; hostname: string; pid: number; version: string; mailDriver: string | null; startedAt: string; lastSeenAt: string; alive: boolean; self: boolean; runs: string[] };

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const processes = async (t: TestApp): Promise<Listed[]> => {
  const res = await t.request({ method: 'GET', url: '/api/v1/processes' });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as { items: Listed[] }).items;
};

/** A logger whose lines the test reads (pino's JSON: 20 is debug, 50 and up error). */
function capturingLogger() {
  const lines: { level: number; msg: string }[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as { level: number; msg: string });
      cb();
    },
  });
  return { logger: createLogger('debug', sink), lines };
}

/** A heartbeat of a process of the test's own over `repo`, beating only when told (its timer is a minute). */
function testHeartbeat(repo: ReturnType<typeof processesRepository>, name: string) {
  const { logger, lines } = capturingLogger();
  const heartbeat = new ProcessHeartbeat({ repo, clock: systemClock, logger, identity: { id: newId('proc'), role: 'worker', hostname: name, pid: 2, version: VERSION, mailDriver: 'smtp', startedAt: Date.now() }, runs: () => [], intervalMs: 60_000 });
  return { heartbeat, lines };
}

await describeEachDialect('GET /processes', (dialect) => {
  let a: TestApp;
  const others: TestApp[] = [];
  // One master key for all, as processes sharing a database must have.
  const env = { MAILROOM_SECRET_KEY: randomBytes(32).toString('base64') };
  beforeAll(async () => {
    a = await startTestApp(dialect, { env });
  });
  afterEach(async () => {
    for (const t of others.splice(0)) await t.close();
  });
  afterAll(async () => {
    await a?.close();
  });
  /** A second process on a's database (PostgreSQL only), as `mailroom worker`. */
  const worker = async () => {
    const b = await startTestApp('postgres', { env, databaseUrl: () => a.databaseUrl!, acceptsMail: false });
    others.push(b);
    return b;
  };

  it('lists this process, alive and self, with its host, pid, version and what it runs; a read key may look', async () => {
    const [me, ...rest] = await processes(a);
    expect(rest).toEqual([]);
    expect(me).toMatchObject({ role: 'start', hostname: hostname(), pid: process.pid, version: VERSION, mailDriver: 'smtp', alive: true, self: true, runs: ['api'] });
    expect(me.id).toMatch(/^proc_[0-9a-z]{26}$/);
    expect(me.id).toBe(a.app.ports.processId);
    expect(Date.parse(me.lastSeenAt)).toBeGreaterThanOrEqual(Date.parse(me.startedAt));
    const key = (await a.request({ method: 'POST', url: '/api/v1/api-keys', payload: { name: 'reader', scopes: ['read'] } })).json().key as string;
    expect((await a.request({ method: 'GET', url: '/api/v1/processes', key })).statusCode).toBe(200);
    const sender = (await a.request({ method: 'POST', url: '/api/v1/api-keys', payload: { name: 'sender', scopes: ['send'] } })).json().key as string;
    const refused = await a.request({ method: 'GET', url: '/api/v1/processes', key: sender });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toMatch(/^MAILROOM_E_/);
  });

  it('says at once which workers it started', async () => {
    await a.app.startWebhooks();
    await expect.poll(async () => (await processes(a)).find((p) => p.self)?.runs).toEqual(['api', 'webhooks']);
  });

  it.runIf(dialect === 'postgres')('two processes on one database both appear, each self on its own; a clean stop removes one', async () => {
    const b = await worker();
    const fromA = await processes(a);
    const fromB = await processes(b);
    expect(fromA.map((p) => p.id).sort()).toEqual([a.app.ports.processId, b.app.ports.processId].sort());
    expect(fromB.map((p) => p.id).sort()).toEqual(fromA.map((p) => p.id).sort());
    expect(fromA.filter((p) => p.self).map((p) => p.id)).toEqual([a.app.ports.processId]);
    expect(fromB.filter((p) => p.self).map((p) => p.id)).toEqual([b.app.ports.processId]);
    expect(fromA.find((p) => p.id === b.app.ports.processId)).toMatchObject({ role: 'worker', runs: [], alive: true, self: false });
    await b.app.close();
    expect((await processes(a)).map((p) => p.id)).toEqual([a.app.ports.processId]);
  });

  it.runIf(dialect === 'postgres')('a process whose heartbeat stopped shows as gone, with its last seen, and is still listed', async () => {
    const b = await worker();
    const stale = Date.now() - ALIVE_WITHIN_MS - 1_000;
    await sql`update processes set last_seen_at = ${stale} where id = ${b.app.ports.processId}`.execute(a.app.infra.db);
    const gone = (await processes(a)).find((p) => p.id === b.app.ports.processId);
    expect(gone).toMatchObject({ alive: false, self: false, lastSeenAt: new Date(stale).toISOString() });
    // The process itself answers: it is alive, whatever its row says.
    expect((await processes(b)).find((p) => p.self)).toMatchObject({ id: b.app.ports.processId, alive: true });
  });

  it.runIf(dialect === 'postgres')('a process about to deliver beside a live one delivering with another mail driver is refused; rows without a driver, gone or not delivering are not judged', async () => {
    const repo = processesRepository(a.app.infra.db);
    const now = Date.now();
    const row = { role: 'worker' as const, pid: 4243, version: VERSION, runs: ['delivery' as const], startedAt: now - 60_000, lastSeenAt: now };
    const smtp = { ...row, id: newId('proc'), hostname: 'smtp-host', mailDriver: 'smtp' as const };
    // A process of a version before migration 034, one killed a while ago, and an API-only process.
    const old = { ...row, id: newId('proc'), hostname: 'old-version', mailDriver: null };
    const gone = { ...row, id: newId('proc'), hostname: 'gone', mailDriver: 'smtp' as const, lastSeenAt: now - ALIVE_WITHIN_MS - 5_000 };
    const apiOnly = { ...row, id: newId('proc'), hostname: 'api-only', mailDriver: 'smtp' as const, runs: ['api' as const] };
    for (const r of [smtp, old, gone, apiOnly]) await repo.beat(r);
    try {
      const start = () => startTestApp('postgres', { env: { ...env, MAILROOM_MAIL_DRIVER: 'log' }, databaseUrl: () => a.databaseUrl!, acceptsMail: false });
      // Refused before its bootstrap, which would re-point the deploy-time server every process sends through.
      const refusal = await start().then(
        (b) => void others.push(b),
        (err: unknown) => err,
      );
      expect(refusal).toMatchObject({ code: 'MAILROOM_E_CONFIG', details: { process: { id: smtp.id, hostname: 'smtp-host', pid: 4243, mailDriver: 'smtp' }, mailDriver: 'log' } });
      expect((refusal as Error).message).toContain('the worker on smtp-host (pid 4243) delivers from the same database with MAILROOM_MAIL_DRIVER=smtp');
      await repo.remove(smtp.id);
      const b = await start();
      others.push(b);
      expect((await processes(b)).find((p) => p.self)).toMatchObject({ mailDriver: 'log', runs: [] });
      // The row written by an older version reads as no driver.
      expect((await processes(b)).find((p) => p.id === old.id)).toMatchObject({ mailDriver: null, alive: true });
      await b.app.startDelivery();
      await expect.poll(async () => (await processes(b)).find((p) => p.self)?.runs).toEqual(['delivery']);
    } finally {
      for (const r of [smtp, old, gone, apiOnly]) await repo.remove(r.id);
    }
  });

  it('a killed process stays listed as gone until a day without a heartbeat, when any process drops it', async () => {
    const repo = processesRepository(a.app.infra.db);
    const now = Date.now();
    const killed = { id: newId('proc'), role: 'worker' as const, hostname: 'other-host', pid: 4242, version: VERSION, mailDriver: 'smtp' as const, runs: ['delivery' as const], startedAt: now - PRUNE_AFTER_MS * 2 };
    await repo.beat({ ...killed, lastSeenAt: now - 60_000 });
    const longGone = { ...killed, id: newId('proc'), hostname: 'long-gone' };
    await repo.beat({ ...longGone, lastSeenAt: now - PRUNE_AFTER_MS - 60_000 });
    const listed = await processes(a);
    expect(listed.find((p) => p.id === killed.id)).toMatchObject({ alive: false, hostname: 'other-host', pid: 4242, runs: ['delivery'] });
    expect(listed.find((p) => p.id === longGone.id)).toMatchObject({ alive: false });
    // Any process's heartbeat prunes: its first beat does, then once an hour.
    const { heartbeat } = testHeartbeat(repo, 'pruner');
    await heartbeat.start();
    await heartbeat.stop();
    const after = (await processes(a)).map((p) => p.id);
    expect(after).toContain(killed.id);
    expect(after).not.toContain(longGone.id);
    expect(after).not.toContain(heartbeat.id);
    await repo.remove(killed.id);
  });
});

await describeEachDialect('the process heartbeat while the database is away', (dialect) => {
  let proxy: TcpProxy | undefined;
  let t: TestApp;
  beforeAll(async () => {
    if (dialect === 'postgres') {
      const target = new URL(process.env.MAILROOM_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
      proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    }
    t = await startTestApp(dialect, {
      databaseUrl: (url) => {
        const u = new URL(url);
        u.hostname = '127.0.0.1';
        u.port = String(proxy!.port);
        return u.toString();
      },
    });
  });
  afterAll(async () => {
    await proxy?.up().catch(() => undefined);
    await t?.close();
    await proxy?.close();
  });

  it('neither throws nor logs at error level, says so once at debug, and records the process again once the database is back', async () => {
    // PostgreSQL goes away behind the proxy; SQLite by closing a connection of the test's own to the same file.
    const sqlite = dialect === 'sqlite' ? openDatabase({ dataDir: t.dataDir }) : undefined;
    const { heartbeat, lines } = testHeartbeat(processesRepository(sqlite?.db ?? t.app.infra.db), 'h');
    await heartbeat.start();
    if (sqlite) await sqlite.close();
    else await proxy!.down();
    await expect(heartbeat.beat()).resolves.toBeUndefined();
    await expect(heartbeat.beat()).resolves.toBeUndefined();
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(lines.filter((l) => l.level === 20 && /could not record this process/.test(l.msg))).toHaveLength(1);
    if (proxy) {
      await proxy.up();
      await heartbeat.beat();
      expect((await processes(t)).find((p) => p.id === heartbeat.id)).toMatchObject({ hostname: 'h', alive: true });
      expect(lines.some((l) => /recorded again/.test(l.msg))).toBe(true);
      await proxy.down();
    }
    // A stop while the database is away does not hang on the delete.
    const started = Date.now();
    await heartbeat.stop();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  });
});
