import { open, type FileHandle } from 'node:fs/promises';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../schema.js';

/**
 * A SQLite transaction whose fsync does not stop the event loop.
 *
 * better-sqlite3 is synchronous: with `synchronous=FULL` every COMMIT fsyncs the WAL on the
 * main thread (2–8 ms each under load, the largest single cost of accepting mail). For the
 * group commit the connection switches to `synchronous=NORMAL` for that one transaction (the
 * COMMIT only write()s its frames to the WAL), and the WAL file is then fsynced on libuv's
 * thread pool; the promise settles only after that fsync, so "202 means on disk" holds as
 * before. fsync flushes the file (the inode), whichever descriptor wrote the frames.
 *
 * Why this is as safe as FULL for the caller: NORMAL keeps the database consistent after a
 * crash (SQLite syncs the WAL before each checkpoint and the database after it); what it may
 * lose are the last commits not yet synced — and nobody has been told about those yet.
 * Every other write of the process keeps `synchronous=FULL`: the setting is switched back
 * before the connection is released (Kysely holds the one connection for the whole call).
 *
 * A transaction that changed no row appended nothing to the WAL, so it is not synced: an idle
 * process polls for due work ten times a second through the group commit, and each of those
 * empty looks was an fsync (about twelve a second, all day, on an idle server). SQLite's
 * total_changes() counts the rows INSERT, UPDATE and DELETE changed on this connection.
 */
export function walSyncedTransaction(db: Kysely<DB>, walPath: string) {
  let handle: Promise<FileHandle> | undefined;
  const closeHandle = async () => {
    const h = handle;
    handle = undefined;
    if (h) await (await h.catch(() => undefined))?.close();
  };
  let syncs = 0;
  const changesSoFar = async (conn: Kysely<DB>) => Number((await sql<{ n: number }>`select total_changes() as n`.execute(conn)).rows[0]?.n);
  const run = async <T>(fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> => {
    const { result, wrote } = await db.connection().execute(async (conn) => {
      // Not allowed inside a transaction, hence around it, on the same connection.
      await sql`pragma synchronous = normal`.execute(conn);
      try {
        const before = await changesSoFar(conn);
        const result = await conn.transaction().execute(fn);
        return { result, wrote: (await changesSoFar(conn)) !== before };
      } finally {
        await sql`pragma synchronous = full`.execute(conn);
      }
    });
    if (!wrote) return result;
    // The WAL exists once a transaction has committed; it lives as long as the connection.
    handle ??= open(walPath, 'r+');
    syncs++;
    try {
      await (await handle).sync();
    } catch (err) {
      await closeHandle();
      throw err;
    }
    return result;
  };
  /** `syncs()`: how many WAL fsyncs it has run (tests). */
  return { run, close: closeHandle, syncs: () => syncs };
}
