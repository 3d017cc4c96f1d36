import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { pipelineBeginOnConnect } from '../../src/store/postgres/pg-pipelined-begin.js';
import { prepareTemplatesOnConnect } from '../../src/store/postgres/pg-prepared.js';
import { createPostgresDatabase, postgresAvailable } from '../helpers/dialects.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

/**
 * A transaction's BEGIN goes to PostgreSQL with its first statement (pg-pipelined-begin.ts).
 * Through Kysely on a pool of one connection, as the store uses it: every statement of a
 * transaction runs inside it (a failure later in the transaction undoes the first one too), a
 * transaction costs one round trip less, and an error leaves the connection usable.
 */
describe.skipIf(!(await postgresAvailable()))('BEGIN sent with the first statement (PostgreSQL)', () => {
  let drop: () => Promise<void>;
  let pool: pg.Pool;
  let db: Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** ReadyForQuery messages seen on the pool's connection: one per round trip. */
  let roundTrips = 0;
  const INSERT = 'insert into t (v) values ($1)';

  beforeAll(async () => {
    const created = await createPostgresDatabase();
    drop = created.drop;
    pool = new pg.Pool({ connectionString: created.url, max: 1 });
    pool.on('connect', (client) => (client as unknown as { connection: pg.Connection }).connection.on('readyForQuery', () => roundTrips++));
    pipelineBeginOnConnect(pool);
    prepareTemplatesOnConnect(pool, (text) => (text === INSERT ? 'mailroom_1' : undefined));
    db = new Kysely({ dialect: new PostgresDialect({ pool }) });
    await sql`create table t (v text not null)`.execute(db);
  });
  afterAll(async () => {
    await db?.destroy();
    await drop?.();
  });

  const stored = async () => (await sql<{ v: string }>`select v from t order by v`.execute(db)).rows.map((r) => r.v);
  const counted = async (fn: () => Promise<unknown>) => {
    const before = roundTrips;
    await fn();
    return roundTrips - before;
  };

  it('runs the first statement inside the transaction: a later failure undoes it', async () => {
    // The connection's first transaction prepares BEGIN (sent alone); the later ones pipeline it.
    await db.transaction().execute(async (trx) => void (await sql`select 1`.execute(trx)));
    for (const first of [sql`insert into t (v) values (${'named'})`, sql`insert into t (v) values ('plain')`, sql.raw(`insert into t (v) values ('one'); insert into t (v) values ('two')`)]) {
      await expect(
        db.transaction().execute(async (trx) => {
          await first.execute(trx);
          await sql`select 1 / ${0}::int`.execute(trx);
        }),
      ).rejects.toThrow(/division by zero/);
    }
    expect(await stored()).toEqual([]);
    // A statement that fails as the first one: nothing stays open, the connection goes on.
    await expect(db.transaction().execute(async (trx) => void (await sql`select 1 / ${0}::int`.execute(trx)))).rejects.toThrow(/division by zero/);
    await db.transaction().execute(async (trx) => void (await sql`insert into t (v) values (${'kept'})`.execute(trx)));
    expect(await stored()).toEqual(['kept']);
    expect((await sql<{ s: string }>`select current_setting('transaction_isolation') as s`.execute(db)).rows[0].s).toBe('read committed');
  });

  it('spends one round trip less per transaction, and none on one that sent nothing', async () => {
    await sql`truncate t`.execute(db);
    // BEGIN + INSERT, then COMMIT: two round trips (BEGIN alone made three).
    expect(await counted(() => db.transaction().execute(async (trx) => void (await sql`insert into t (v) values (${'a'})`.execute(trx))))).toBe(2);
    // A prepared template (named by pg-prepared.ts) goes with BEGIN too.
    expect(await counted(() => db.transaction().execute(async (trx) => void (await trx.executeQuery({ sql: INSERT, parameters: ['b'], query: { kind: 'RawNode' } } as never))))).toBe(2);
    expect(await counted(() => db.transaction().execute(async () => undefined))).toBe(0);
    // Without parameters too (the claim's first statement is such a one).
    expect(await counted(() => db.transaction().execute(async (trx) => void (await sql.raw(`insert into t (v) values ('c')`).execute(trx))))).toBe(2);
    // Text with a semicolon (it may hold several statements, which one Parse cannot) follows a BEGIN of its own.
    expect(await counted(() => db.transaction().execute(async (trx) => void (await sql.raw(`insert into t (v) values ('d'); insert into t (v) values ('e')`).execute(trx))))).toBe(3);
    expect(await stored()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('keeps concurrent statements of one transaction in it, as a group commit sends them', async () => {
    await sql`truncate t`.execute(db);
    await expect(
      db.transaction().execute(async (trx) => {
        await Promise.all(['x', 'y', 'z'].map((v) => sql`insert into t (v) values (${v})`.execute(trx)));
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    expect(await stored()).toEqual([]);
    await db.transaction().execute(async (trx) => void (await Promise.all(['x', 'y', 'z'].map((v) => sql`insert into t (v) values (${v})`.execute(trx)))));
    expect(await stored()).toEqual(['x', 'y', 'z']);
  });

  it('a connection lost while BEGIN waits for its statement is a lost connection to the store, as before', async () => {
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
    const url = new URL((pool.options as { connectionString: string }).connectionString);
    url.port = String(proxy.port);
    const database = openDatabase({ databaseUrl: url.toString(), dataDir: '/nonexistent', poolSize: 1 });
    try {
      await sql`select 1`.execute(database.db);
      const failed = await database.db
        .transaction()
        .execute(async (trx) => {
          // BEGIN was answered without being sent; the connection goes before the statement.
          proxy.cut();
          await new Promise((r) => setTimeout(r, 100));
          await sql`insert into t (v) values (${'lost'})`.execute(trx);
        })
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      expect(failed).toBeInstanceOf(Error);
      // What the store maps to STORE_UNAVAILABLE (503) rather than an internal error.
      expect(database.isConnectionLoss(failed)).toBe(true);
      expect(await stored()).not.toContain('lost');
      // The pool replaces the connection: the next transaction works.
      await database.db.transaction().execute(async (trx) => void (await sql`select 1`.execute(trx)));
    } finally {
      await database.close();
      await proxy.close();
    }
  });
});
