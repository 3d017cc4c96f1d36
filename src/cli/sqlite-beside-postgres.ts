import { statSync } from 'node:fs';
import path from 'node:path';

/** The SQLite store's file in the data directory (src/store/database.ts opens it by this name). */
const SQLITE_FILE = 'mailroom.db';

/**
 * What to tell an operator whose data directory holds a SQLite store while DATABASE_URL points
 * at PostgreSQL, or undefined when there is nothing to tell. Setting DATABASE_URL on an existing
 * install started an empty store in PostgreSQL — a new first admin, no servers, no log — without
 * a word about the file beside it, which looked as if the data were gone. Mailroom has no tool
 * that copies a SQLite store into PostgreSQL: the warning says so. An empty file (SQLite made it
 * and nothing was written) is no store.
 */
export function sqliteStoreBesidePostgres(dataDir: string, databaseUrl: string | undefined): string | undefined {
  if (!databaseUrl) return undefined;
  const file = path.resolve(dataDir, SQLITE_FILE);
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) return undefined;
    size = st.size;
  } catch {
    return undefined;
  }
  if (size === 0) return undefined;
  return (
    `${file} holds a SQLite store that this process does not use: DATABASE_URL is set, so Mailroom reads and writes PostgreSQL only, ` +
    'where the users, servers, accounts, API keys and messages of that file are not. Mailroom has no tool that copies a SQLite store into PostgreSQL; ' +
    'unset DATABASE_URL to keep using the file, or move the file away once you no longer need it'
  );
}
