import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../src/store/schema.js';
import { walSyncedTransaction } from '../../src/store/sqlite/wal-sync.js';

/**
 * The group commit's SQLite runner on a real file in WAL mode: a transaction that changed rows
 * is fsynced before it answers; one that changed none (an idle poll for due work) is not.
 */
describe('WAL-synced transactions (SQLite)', () => {
  let dir: string;
  let db: Kysely<DB>;
  let wal: ReturnType<typeof walSyncedTransaction>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mailroom-walsync-'));
    const file = join(dir, 'x.db');
    const sqlite = new Database(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    db = new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }) });
    await sql`create table t (id integer primary key, v text)`.execute(db);
    wal = walSyncedTransaction(db, `${file}-wal`);
  });
  afterAll(async () => {
    await wal?.close();
    await db?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fsyncs a transaction that wrote, and not one that only read or matched nothing', async () => {
    const walSize = () => statSync(join(dir, 'x.db-wal')).size;
    await wal.run((trx) => sql`insert into t (v) values ('a')`.execute(trx));
    expect(wal.syncs()).toBe(1);
    const size = walSize();

    // Reads, and an update that matches no row: nothing reached the WAL, nothing to sync.
    const rows = await wal.run(async (trx) => (await sql<{ v: string }>`select v from t`.execute(trx)).rows);
    expect(rows).toEqual([{ v: 'a' }]);
    await wal.run((trx) => sql`update t set v = 'b' where id = 999`.execute(trx));
    expect(wal.syncs()).toBe(1);
    expect(walSize()).toBe(size);

    await wal.run((trx) => sql`update t set v = 'b' where id = 1`.execute(trx));
    await wal.run((trx) => sql`delete from t where id = 1`.execute(trx));
    expect(wal.syncs()).toBe(3);
    expect(walSize()).toBeGreaterThan(size);
  });

  it('leaves the connection at synchronous=FULL for every other write', async () => {
    await wal.run((trx) => sql`select 1`.execute(trx));
    const mode = await sql<{ synchronous: number }>`pragma synchronous`.execute(db);
    expect(mode.rows[0]?.synchronous).toBe(2);
  });
});
