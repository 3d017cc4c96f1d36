import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKGROUND_CONNECTION_GONE, startBackgroundConnection, type BackgroundConnection } from '../../src/store/sqlite/background-connection.js';
import { backgroundReads } from '../../src/store/sqlite/background-reads.js';
import type { DB } from '../../src/store/schema.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/** How many turns the event loop makes while `p` is pending: 0 means it was held until `p` settled. */
async function turnsWhile<T>(p: Promise<T>): Promise<{ value: T; turns: number }> {
  let settled = false;
  let turns = 0;
  const tick = () => {
    if (settled) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  const value = await p.finally(() => (settled = true));
  return { value, turns };
}

/**
 * `turnsWhile` of a read, looked at up to five times until the loop turned. One turn proves the
 * read did not hold the loop (a read on the main connection never lets it turn: see the first
 * test); no turn proves nothing when the process was descheduled meanwhile, as on a loaded CI
 * machine, and the worker's reply was waiting before the loop's first turn.
 */
async function turnsWhileRead<T>(read: () => Promise<T>): Promise<{ value: T; turns: number }> {
  let look = await turnsWhile(read());
  for (let tries = 1; tries < 5 && look.turns === 0; tries++) look = await turnsWhile(read());
  return look;
}

const COPIES = 60_000;

describe('SQLite: the queue is counted on the background connection, the event loop free meanwhile', () => {
  let t: TestApp;
  let endpointId = '';
  beforeAll(async () => {
    t = await startTestApp('sqlite', { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    // One report scheduled a day ahead, then copies of it straight into the table (as a deep queue).
    const res = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['ops@example.net'], subject: 'Weekly report', text: 'x', sendAt: new Date(Date.now() + 86_400_000).toISOString() } });
    expect(res.statusCode).toBe(202);
    const db = t.app.infra.db;
    const cols = (await sql<{ name: string }>`select name from pragma_table_info('messages')`.execute(db)).rows.map((r) => r.name);
    const select = cols.map((c) => (c === 'id' ? `'msg_copy' || n.i` : c === 'message_id_header' ? `'<copy' || n.i || '@example.net>'` : `m.${c}`)).join(', ');
    await sql
      .raw(`with recursive n(i) as (select 1 union all select i + 1 from n where i < ${COPIES}) insert into messages (${cols.join(', ')}) select ${select} from messages m, n where m.id = '${res.json().id}'`)
      .execute(db);
    // As many rows of the audit log, the events and one webhook's deliveries: pages whose filter
    // no index serves read them all (a reply faster than the event loop's first turn would count none).
    const n = `with recursive n(i) as (select 1 union all select i + 1 from n where i < ${COPIES})`;
    await sql.raw(`${n} insert into audit (id, at, actor, action, target_type, target_id) select 'aud_copy' || printf('%08d', i), i, 'tester', 'message.retry', 'message', 'msg_' || i from n`).execute(db);
    await sql.raw(`${n} insert into suppressions (address, reason, created_by, created_at) select 'copy' || i || '@example.net', 'bounce', 'system', i from n`).execute(db);
    await sql.raw(`${n} insert into notify_events (id, type, occurred_at, received_at, data, recipients, matches, message_count) select 'nev_copy' || i, 'order.shipped', i, i, '{}', '[]', '[]', 0 from n`).execute(db);
    endpointId = (await t.request({ method: 'POST', url: '/api/v1/webhooks', payload: { url: 'http://127.0.0.1:9/hook', events: ['message.sent'] } })).json().id;
    await sql.raw(`insert into event_journal (id, type, message_id, at, data, pending) values ('evt_copy', 'message.sent', 'msg_copy1', 1, '{}', 0)`).execute(db);
    await sql.raw(`${n} insert into webhook_deliveries (id, endpoint_id, event_id, event_type, status, attempt_count, next_attempt_at, created_at, updated_at, completed_at) select 'whd_copy' || printf('%08d', i), '${endpointId}', 'evt_copy', 'message.sent', 'succeeded', 1, i, i, i, i from n`).execute(db);
  });
  afterAll(async () => t?.close());

  it('answers the counts of every queued message while the event loop keeps turning', async () => {
    const { value, turns } = await turnsWhileRead(() => t.app.ports.ctx.store.repos.messages.queueStats(Date.now()));
    expect(value).toEqual({ queued: COPIES + 1, deferred: 0, sending: 0, oldestDueAt: null });
    expect(turns).toBeGreaterThan(0);
    // The same count on the main connection holds the loop to the end (better-sqlite3 is synchronous):
    // what every request waited for before, a quarter of a second at a million queued.
    const main = await turnsWhile(sql`select count(*) as n from messages where status in ('queued', 'deferred', 'sending')`.execute(t.app.infra.db));
    expect(main.turns).toBe(0);
  });

  it('reads the log there too: a subject search, a date filter, a bulk action\'s list', async () => {
    const messages = t.app.ports.ctx.store.repos.messages;
    // Text in no subject: the whole table is read (past the window, the copies are not indexed yet).
    const search = await turnsWhileRead(() => messages.list({ q: 'no such subject', limit: 50 }));
    expect(search.value.items).toEqual([]);
    expect(search.turns).toBeGreaterThan(0);
    const dated = await turnsWhileRead(() => messages.list({ until: Date.now() - 86_400_000, limit: 50 }));
    expect(dated.value.items).toEqual([]);
    expect(dated.turns).toBeGreaterThan(0);
    const page = await turnsWhile(messages.list({ q: 'weekly', limit: 50 }));
    expect(page.value.items).toHaveLength(50);
    expect(page.value.items[0]).toMatchObject({ subject: 'Weekly report', status: 'queued' });
    const ids = await turnsWhileRead(() => messages.ids({ q: 'no such subject', status: ['queued'] }, 10));
    expect(ids.value).toEqual([]);
    expect(ids.turns).toBeGreaterThan(0);
  });

  it('reads the pages of the audit log, the events, a webhook\'s deliveries and the suppression list there', async () => {
    const repos = t.app.ports.ctx.store.repos;
    const audit = await turnsWhileRead(() => repos.audit.list({ action: 'no.such.action', limit: 50 }));
    expect(audit.value.items).toEqual([]);
    expect(audit.turns).toBeGreaterThan(0);
    const events = await turnsWhileRead(() => repos.notifyEvents.list({ type: 'no.such.event', limit: 50 }));
    expect(events.value).toEqual([]);
    expect(events.turns).toBeGreaterThan(0);
    const deliveries = await turnsWhileRead(() => repos.webhookDeliveries.list({ endpointId, eventType: 'message.failed', limit: 50 }));
    expect(deliveries.value.items).toEqual([]);
    expect(deliveries.turns).toBeGreaterThan(0);
    // The suppression list's search reads every address (no index serves a substring).
    const suppressions = await turnsWhileRead(() => repos.suppressions.list({ q: 'nobody-has-this', limit: 50 }));
    expect(suppressions.value.items).toEqual([]);
    expect(suppressions.turns).toBeGreaterThan(0);
  });

  it('serves the admin UI status strip from there, with the same figures', async () => {
    const stats = (await t.request({ method: 'GET', url: '/api/v1/messages/stats' })).json();
    expect(stats).toMatchObject({ queued: COPIES + 1, deferred: 0, sending: 0, oldestDueAt: null });
  });
});

describe('SQLite background connection', () => {
  let dir: string;
  let file: string;
  let background: BackgroundConnection | undefined;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'mailroom-background-'));
    file = path.join(dir, 'test.db');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec('create table t (n integer); insert into t values (1), (2), (3)');
    db.close();
  });
  afterAll(async () => {
    await background?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs reads, refuses anything that writes and keeps the store intact, and carries SQLite error codes', async () => {
    background = startBackgroundConnection(file);
    expect(await background.read('select sum(n) as s from t where n > ?', [1])).toEqual([{ s: 5 }]);
    await expect(background.read('delete from t returning n', [])).rejects.toMatchObject({ code: 'MAILROOM_NOT_A_READ' });
    await expect(background.read('update t set n = 0', [])).rejects.toMatchObject({ code: 'MAILROOM_NOT_A_READ' });
    expect(await background.read('select count(*) as c from t', [])).toEqual([{ c: 3 }]);
    await expect(background.read('select * from missing', [])).rejects.toMatchObject({ code: 'SQLITE_ERROR', message: expect.stringMatching(/no such table: missing/) });
  });

  it('refuses reads once closed: the Kysely over it reads on the main connection instead', async () => {
    const bg = startBackgroundConnection(file);
    await bg.close();
    await expect(bg.read('select 1 as one', [])).rejects.toMatchObject({ code: BACKGROUND_CONNECTION_GONE });
    const main = new Kysely<DB>({ dialect: new SqliteDialect({ database: new Database(file) }) });
    try {
      const rows = (await sql<{ s: number }>`select sum(n) as s from t`.execute(backgroundReads(bg, main))).rows;
      expect(rows).toEqual([{ s: 6 }]);
    } finally {
      await main.destroy();
    }
  });
});
