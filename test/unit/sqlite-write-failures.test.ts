import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteWriteFailures } from '../../src/store/sqlite/write-failures.js';
import { throttledWarnings, WARN_AGAIN_AFTER_MS } from '../../src/core/kernel/throttled-warnings.js';

/**
 * The SQLite connection's memory of a write that failed for want of disk (for /readyz): kept
 * until a write is proven (rows changed and committed), not cleared by reads, by a transaction
 * rolled back or by a statement that changed nothing. The integration test drives the real
 * failure (test/integration/sqlite-write-failure-readiness.test.ts); here the cases a disk
 * limit cannot single out.
 */
describe('SqliteWriteFailures', () => {
  let sqlite: Database.Database | undefined;
  afterEach(() => sqlite?.close());

  const open = () => {
    sqlite = new Database(':memory:');
    sqlite.exec('create table t (id integer primary key, v text)');
    const failures = new SqliteWriteFailures(sqlite, () => Date.UTC(2026, 0, 2, 3, 4, 5));
    const db = new Kysely<{ t: { id: number; v: string } }>({ dialect: new SqliteDialect({ database: failures.watch(sqlite as never) }) });
    return { failures, db };
  };
  const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });

  it('reports the failure with its code until rows are changed and committed', async () => {
    const { failures, db } = open();
    expect(failures.refusal()).toBeNull();
    failures.noteFailure(full);
    expect(failures.refusal()).toContain('the last write failed with SQLITE_FULL (database or disk is full) at 2026-01-02T03:04:05.000Z');
    // Reads, a transaction rolled back and an update that changed nothing prove nothing.
    await db.selectFrom('t').selectAll().execute();
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('t').values({ id: 1, v: 'a' }).execute();
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    await db.updateTable('t').set({ v: 'b' }).where('id', '=', 99).execute();
    expect(failures.refusal()).not.toBeNull();
    // Inside a transaction, not yet: only its COMMIT proves the write.
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('t').values({ id: 2, v: 'c' }).execute();
      expect(failures.refusal()).not.toBeNull();
    });
    expect(failures.refusal()).toBeNull();
    await db.destroy();
  });

  it('a statement outside a transaction that changes rows clears it; other errors are not remembered', async () => {
    const { failures, db } = open();
    failures.noteFailure(Object.assign(new Error('constraint'), { code: 'SQLITE_CONSTRAINT_UNIQUE' }));
    failures.noteFailure(Object.assign(new Error('locked'), { code: 'SQLITE_BUSY' }));
    expect(failures.refusal()).toBeNull();
    failures.noteFailure(Object.assign(new Error('fsync'), { code: 'EIO' }));
    expect(failures.refusal()).toContain('EIO');
    await sql`insert into t (id, v) values (3, 'd') returning id`.execute(db);
    expect(failures.refusal()).toBeNull();
    await db.destroy();
  });

  it('remembers a failing write statement by itself', async () => {
    const { failures, db } = open();
    sqlite!.pragma('query_only = 1');
    await expect(db.insertInto('t').values({ id: 4, v: 'e' }).execute()).rejects.toMatchObject({ code: 'SQLITE_READONLY' });
    expect(failures.refusal()).toContain('SQLITE_READONLY');
    sqlite!.pragma('query_only = 0');
    await db.insertInto('t').values({ id: 4, v: 'e' }).execute();
    expect(failures.refusal()).toBeNull();
    await db.destroy();
  });
});

describe('throttledWarnings', () => {
  it('says each cause once a minute, then how many it left out', () => {
    let now = 0;
    const said: string[] = [];
    const warn = throttledWarnings((m) => said.push(m), () => now);
    for (let i = 0; i < 600; i++) {
      warn('checkpoint failed: disk I/O error');
      if (i % 100 === 0) warn('checkpoint failed: database or disk is full');
      now += 100;
    }
    expect(said).toEqual(['checkpoint failed: disk I/O error (said once a minute while it lasts)', 'checkpoint failed: database or disk is full (said once a minute while it lasts)']);
    now = WARN_AGAIN_AFTER_MS + 1;
    warn('checkpoint failed: disk I/O error');
    expect(said.at(-1)).toBe('checkpoint failed: disk I/O error (599 more times in the last minute)');
  });
});
