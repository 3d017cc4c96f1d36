import type Database from 'better-sqlite3';
import { CompiledQuery, type Compilable, type Kysely, type QueryResult, type SqliteDatabase } from 'kysely';
import type { DB } from './schema.js';

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

const SLOT = '\u0000mailroom-slot:';

/**
 * SQL text of every template that PostgreSQL should keep prepared, with the statement name
 * to prepare it under (see pg-prepared.ts). One name per text for the life of the process,
 * so a connection that has parsed a name always holds this very text under it.
 */
const preparedNames = new Map<string, string>();

/** The prepared-statement name of a template's SQL text, or undefined for any other SQL. */
export function preparedStatementName(sql: string): string | undefined {
  return preparedNames.get(sql);
}

/**
 * Registers a hot statement written as SQL text (not built by queryTemplate) to run as a named
 * prepared statement on PostgreSQL, and returns the text. Unnamed, PostgreSQL plans a statement
 * on every call: the outbox's claim, its batched writes and the suppression look-up were planned
 * every time, about a tenth of the database's time per message (docs/performance.md, nineteenth
 * session), the claim's walk of the priority levels 0.3 ms a call for a 0.05 ms execution.
 *
 * Only for statements that name the columns they answer: one answering `*` (a `select *`, an
 * outer `returning *`) fails with "cached plan must not change result type" on every later call
 * once a newer process's migration adds a column, which in a rolling upgrade would stop the
 * older processes. (A `returning *` inside a CTE whose rows are selected by name is fine.)
 */
export function preparedSql(sql: string): string {
  if (!preparedNames.has(sql)) preparedNames.set(sql, `mailroom_${preparedNames.size + 1}`);
  return sql;
}

/**
 * A hot query built and compiled once per dialect, then run with new values: building a
 * Kysely query (parsing the value object, visiting the tree, compiling) costs more than
 * executing it on SQLite. `build` marks each varying value with `slot(name)`; the compiled
 * parameters are matched back to those names (other parameters are constants of the query),
 * so the template stays Kysely's own SQL (identifier quoting, placeholders per dialect) with
 * none of the per-call building.
 *
 * On PostgreSQL a template is also a named prepared statement per connection (parsed and
 * planned once, not on every call) unless `prepare: false`: for a query whose best plan
 * depends on its values, where a generic plan chosen after five runs could be a bad one.
 */
export function queryTemplate<K extends string>(build: (db: Kysely<DB>, slot: (name: K) => never) => Compilable<unknown>, opts: { prepare?: boolean } = {}) {
  type Param = { slot: K } | { value: unknown };
  // Compiled once per dialect adapter (each Kysely instance and its transactions share one):
  // the SQL differs per dialect, and the adapter object says which without naming it.
  const compiled = new WeakMap<object, { sql: string; params: Param[] }>();
  return <R = unknown>(db: Kysely<DB>, values: Record<K, unknown>): Promise<QueryResult<R>> => {
    const adapter = db.getExecutor().adapter;
    let t = compiled.get(adapter);
    if (!t) {
      const c = build(db, (name) => `${SLOT}${name}` as never).compile();
      const params = c.parameters.map((p): Param => (typeof p === 'string' && p.startsWith(SLOT) ? { slot: p.slice(SLOT.length) as K } : { value: p }));
      t = { sql: c.sql, params };
      if (opts.prepare !== false) preparedSql(c.sql);
      compiled.set(adapter, t);
    }
    const { sql, params } = t;
    return db.executeQuery<R>(CompiledQuery.raw(sql, params.map((p) => ('slot' in p ? values[p.slot] : p.value))));
  };
}
