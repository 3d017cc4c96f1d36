import type pg from 'pg';
import { preparedStatementName } from '../statement-cache.js';

type Query = (...args: unknown[]) => unknown;

/**
 * Makes every connection of the pool run the hot templates' SQL (queryTemplate in
 * statement-cache.ts) as named prepared statements. node-postgres sends an unnamed
 * statement's text with every call, so PostgreSQL parses, analyses and plans it each time;
 * a named one is parsed once per connection and then only bound and executed. Kysely always
 * calls `client.query(sql, parameters)`: the SQL text says whether it is a template, so no
 * other query changes and nothing else in the store has to know.
 *
 * Only calls whose values are all primitives are named. node-postgres serialises objects
 * (JSON, Date, arrays) while binding, and when that throws (a circular object, a throwing
 * toPostgres) it closes the statement on the server but still counts it as prepared, so every
 * later use on that connection would fail with "prepared statement does not exist" (pg
 * 8.23). A primitive is only ever toString()ed there; the templates bind strings, numbers and
 * NULL, and a call with any object keeps the unnamed path.
 */
export function prepareTemplatesOnConnect(pool: pg.Pool, nameOf: (sql: string) => string | undefined = preparedStatementName): void {
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as Query;
    // Kysely calls query(text, values); pg.Pool#query calls query(text, values, callback).
    const named: Query = (...args) => {
      const [text, values, callback] = args;
      if (typeof text === 'string' && (args.length === 2 || (args.length === 3 && typeof callback === 'function')) && primitives(values)) {
        const name = nameOf(text);
        if (name !== undefined) return query({ name, text, values }, ...args.slice(2));
      }
      return query(...args);
    };
    (client as unknown as { query: Query }).query = named;
  });
}

function primitives(values: unknown): values is unknown[] {
  if (!Array.isArray(values)) return false;
  for (const v of values) if (typeof v === 'object' && v !== null) return false;
  return true;
}
