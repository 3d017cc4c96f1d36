import type Database from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/**
 * Kysely's SQLite driver prepares every statement anew; preparing costs as much as running a
 * small query. Kysely compiles the same SQL text for the same query shape, so caching the
 * prepared statements by text (bounded, least recently used out) removes that cost. One
 * connection and Kysely's own mutex mean a statement is never used twice at once.
 */
export function withStatementCache(sqlite: Database.Database, max = 500): SqliteDatabase {
  const cache = new Map<string, Database.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (stmt) {
        // Re-insert: Map keeps insertion order, so the first key is the least recently used.
        cache.delete(sql);
      } else {
        stmt = sqlite.prepare(sql);
        if (cache.size >= max) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sql, stmt);
      return stmt as unknown as ReturnType<SqliteDatabase['prepare']>;
    },
  };
}
