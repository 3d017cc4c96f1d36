import { Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler, type CompiledQuery, type DatabaseConnection, type Dialect, type Driver, type QueryResult } from 'kysely';
import type { DB } from '../schema.js';
import { BACKGROUND_CONNECTION_GONE, type BackgroundConnection } from './background-connection.js';

/**
 * A Kysely for reads that scan, run on SQLite's background connection (background-connection.ts)
 * so that the event loop serves requests meanwhile. The same query builder, the same SQL, only
 * another connection: a repository takes it where a read can take long (counting a deep queue).
 * No transactions: a scan that must see its own transaction's writes belongs on `main`. Should
 * the thread have ended, a read runs on `main` instead, as it did before there was a thread.
 */
export function backgroundReads(background: BackgroundConnection, main: Kysely<DB>): Kysely<DB> {
  const connection: DatabaseConnection = {
    async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
      try {
        return { rows: (await background.read(compiled.sql, compiled.parameters)) as R[] };
      } catch (err) {
        if ((err as { code?: unknown }).code === BACKGROUND_CONNECTION_GONE) return main.executeQuery<R>(compiled);
        throw err;
      }
    },
    streamQuery() {
      throw new Error('the background connection does not stream');
    },
  };
  const noTransactions = () => Promise.reject(new Error('the background connection runs single reads, not transactions'));
  const driver: Driver = {
    init: async () => {},
    acquireConnection: async () => connection,
    beginTransaction: noTransactions,
    commitTransaction: noTransactions,
    rollbackTransaction: noTransactions,
    releaseConnection: async () => {},
    // The thread belongs to the database that started it and closes with it.
    destroy: async () => {},
  };
  const dialect: Dialect = {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => driver,
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  };
  return new Kysely<DB>({ dialect });
}
