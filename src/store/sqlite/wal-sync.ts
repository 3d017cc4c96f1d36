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
 */
export function walSyncedTransaction(db: Kysely<DB>, walPath: string) {
  let handle: Promise<FileHandle> | undefined;
  const closeHandle = async () => {
    const h = handle;
    handle = undefined;
    if (h) await (await h.catch(() => undefined))?.close();
  };
  const run = async <T>(fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> => {
    const result = await db.connection().execute(async (conn) => {
      // Not allowed inside a transaction, hence around it, on the same connection.
      await sql`pragma synchronous = normal`.execute(conn);
      try {
        return await conn.transaction().execute(fn);
      } finally {
        await sql`pragma synchronous = full`.execute(conn);
      }
    });
    // The WAL exists once a transaction has committed; it lives as long as the connection.
    handle ??= open(walPath, 'r+');
    try {
      await (await handle).sync();
    } catch (err) {
      await closeHandle();
      throw err;
    }
    return result;
  };
  return { run, close: closeHandle };
}
