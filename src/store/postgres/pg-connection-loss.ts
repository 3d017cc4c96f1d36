import type pg from 'pg';

type Query = (...args: unknown[]) => unknown;
type Connect = (...args: unknown[]) => unknown;

/**
 * Tells a lost PostgreSQL connection from a bug, without reading pg's message texts (they are
 * not an interface). pg reports a lost connection with plain Errors that carry no code:
 *  - the running query is rejected with the very Error the client then emits as 'error'
 *    ("Connection terminated unexpectedly");
 *  - a query sent on a client that has already lost its connection is rejected with a fresh
 *    Error ("… is not queryable"). Kysely's ROLLBACK after a failed statement is such a query,
 *    and its error replaces the statement's own;
 *  - pool.connect() fails with plain Errors on a connect timeout.
 * Each of those Error objects is remembered here, so the store reports it as unavailable
 * (503, retried) and never as an internal error (500).
 *
 * Also, a network error must never crash the process: the pool listens for 'error' on idle
 * clients only, and a client checked out by a query emits 'error' too when its connection is
 * cut, so every client gets a listener of its own.
 */
export function trackConnectionLoss(pool: pg.Pool): (err: unknown) => boolean {
  const lost = new WeakSet<object>();
  const remember = (err: unknown) => void (typeof err === 'object' && err !== null && lost.add(err));
  // Errors that carry a code are classified by it (ECONNREFUSED, 28P01 wrong password, …).
  const rememberUncoded = (err: unknown) => {
    if (typeof (err as { code?: unknown } | null)?.code !== 'string') remember(err);
  };
  pool.on('error', remember);
  pool.on('connect', (client) => {
    let gone = false;
    client.on('error', (err) => {
      gone = true;
      remember(err);
    });
    client.on('end', () => (gone = true));
    const query = client.query.bind(client) as Query;
    (client as unknown as { query: Query }).query = (...args) => {
      const result = query(...args);
      // Registered before the caller's own handlers, so the error is known when they run.
      if (gone && result instanceof Promise) result.catch(remember);
      return result;
    };
  });
  // Kysely takes connections with `await pool.connect()` (no callback).
  const connect = pool.connect.bind(pool) as Connect;
  (pool as unknown as { connect: Connect }).connect = (...args) => {
    const result = connect(...args);
    if (result instanceof Promise) result.catch(rememberUncoded);
    return result;
  };
  return (err) => typeof err === 'object' && err !== null && lost.has(err);
}
