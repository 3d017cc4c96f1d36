import { Migrator, sql, type Kysely } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { createPostgresDatabase, describeEachDialect, type Dialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/** The indexes of table messages, by name. */
async function messageIndexes(db: Kysely<unknown>, dialect: Dialect): Promise<string[]> {
  const rows =
    dialect === 'sqlite'
      ? (await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'messages'`.execute(db)).rows
      : (await sql<{ name: string }>`select indexname as name from pg_indexes where tablename = 'messages'`.execute(db)).rows;
  return rows.map((r) => r.name).sort();
}

await describeEachDialect('outbox status: the queue counted from an index (migration 018)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log' } });
  });
  afterAll(async () => t?.close());

  /**
   * The plan of a query: SQLite's EXPLAIN QUERY PLAN; PostgreSQL's EXPLAIN after a VACUUM (an
   * index-only scan needs the visibility map autovacuum keeps) with sequential and bitmap
   * scans off (the tables are tiny here, so reading the table would win).
   */
  const planOf = (query: ReturnType<typeof sql>) =>
    dialect === 'sqlite'
      ? sql<{ detail: string }>`explain query plan ${query}`.execute(t.app.infra.db).then((r) => r.rows.map((row) => row.detail).join('\n'))
      : t.app.infra.db.connection().execute(async (c) => {
          await sql`vacuum analyze messages`.execute(c);
          await sql`set enable_seqscan = off`.execute(c);
          await sql`set enable_bitmapscan = off`.execute(c);
          const rows = (await sql<{ 'QUERY PLAN': string }>`explain ${query}`.execute(c)).rows;
          await sql`reset enable_seqscan`.execute(c);
          await sql`reset enable_bitmapscan`.execute(c);
          return rows.map((r) => r['QUERY PLAN']).join('\n');
        });

  it('counts queued, deferred and sending messages and finds the oldest due one without reading the table', async () => {
    // The statement messages.repository queueStats runs, parameters bound as Kysely binds them.
    const plan = await planOf(
      sql`select status, count(*) as n, min(case when next_attempt_at <= ${Date.now()} then next_attempt_at end) as due from messages where status in (${'queued'}, ${'deferred'}, ${'sending'}) group by status`,
    );
    expect(plan).toMatch(dialect === 'sqlite' ? /USING COVERING INDEX messages_status_due_idx/ : /Index Only Scan using messages_status_due_idx/);
  });

  it('still lists a status newest first, page by page, and counts it right', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['ops@example.net'], subject: `s${i}`, text: 'x' } });
      expect(res.statusCode).toBe(202);
      ids.push(res.json().id);
    }
    const page = (await t.request({ method: 'GET', url: `/api/v1/messages?status=queued&limit=2` })).json();
    expect(page.items.map((m: { id: string }) => m.id)).toEqual([ids[2], ids[1]]);
    const next = (await t.request({ method: 'GET', url: `/api/v1/messages?status=queued&limit=2&cursor=${page.nextCursor}` })).json();
    expect(next.items.map((m: { id: string }) => m.id)).toEqual([ids[0]]);
    const stats = (await t.request({ method: 'GET', url: '/api/v1/messages/stats' })).json();
    expect(stats).toMatchObject({ queued: 3, deferred: 0, sending: 0 });
    if (dialect === 'sqlite') {
      // "status = …, newest first" walks the index's (status, id) prefix: no sort.
      const plan = await planOf(sql`select id from messages where status in (${'queued'}) order by id desc limit 51`);
      expect(plan).toMatch(/messages_status_due_idx/);
      expect(plan).not.toMatch(/TEMP B-TREE/);
    }
  });
});

await describeEachDialect('migration 018 up and down', (dialect) => {
  it('replaces the (status, id) index with (status, id, next_attempt_at), and back', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-m018-'));
    const pgDb = dialect === 'postgres' ? await createPostgresDatabase() : undefined;
    const database = openDatabase({ databaseUrl: pgDb?.url, dataDir });
    try {
      const db = database.db as unknown as Kysely<unknown>;
      const migrator = new Migrator({ db: database.db, provider: migrationProvider, migrationTableName: 'mailroom_migrations', migrationLockTableName: 'mailroom_migrations_lock' });
      expect((await migrator.migrateTo('017_test_confirmation')).error).toBeUndefined();
      expect(await messageIndexes(db, dialect)).toContain('messages_status_idx');
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      const after = await messageIndexes(db, dialect);
      expect(after).toContain('messages_status_due_idx');
      expect(after).not.toContain('messages_status_idx');
      expect((await migrator.migrateTo('017_test_confirmation')).error).toBeUndefined();
      const back = await messageIndexes(db, dialect);
      expect(back).toContain('messages_status_idx');
      expect(back).not.toContain('messages_status_due_idx');
    } finally {
      await database.close();
      await pgDb?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
