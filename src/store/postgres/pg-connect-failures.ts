import type pg from 'pg';

type Connect = (...args: unknown[]) => unknown;

/**
 * Remembers the errors of opening a pool connection, whatever their code: such a request sent
 * no statement, so it stored nothing, and the database is not there for Mailroom right now. Some
 * codes only mean that at this moment: 55000 is "the database does not allow connections" when
 * connecting (ALTER DATABASE … ALLOW_CONNECTIONS false) and other things elsewhere; a 3D000 or
 * 28P01 is a database dropped or a password changed under a running process. Without this they
 * were answered 500 in a few milliseconds, and each worker round logged them with a stack.
 */
export function trackConnectFailures(pool: pg.Pool): (err: unknown) => boolean {
  const failed = new WeakSet<object>();
  // Kysely takes connections with `await pool.connect()` (no callback).
  const connect = pool.connect.bind(pool) as Connect;
  (pool as unknown as { connect: Connect }).connect = (...args) => {
    const result = connect(...args);
    if (result instanceof Promise) result.catch((err: unknown) => void (typeof err === 'object' && err !== null && failed.add(err)));
    return result;
  };
  return (err) => typeof err === 'object' && err !== null && failed.has(err);
}
