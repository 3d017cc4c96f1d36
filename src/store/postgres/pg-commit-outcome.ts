import pg from 'pg';

type Query = (...args: unknown[]) => unknown;

/**
 * Tells a transaction whose COMMIT went out unanswered from one that failed before it. When the
 * connection is lost after COMMIT was handed to the socket, PostgreSQL may have committed: with
 * a TCP proxy cut while 40 clients sent, a request answered "nothing was stored" had been stored,
 * and a client that retried without an idempotency key got its message sent twice. Such an
 * error is reported as `outcome-unknown` (MAILROOM_E_STORE_OUTCOME_UNKNOWN) instead.
 *
 * Kysely commits with `client.query('commit')` and, when that fails, rolls back on the same
 * client; on a lost connection that ROLLBACK fails too and its error replaces the COMMIT's. So
 * both are remembered: the COMMIT's error, and the error of the ROLLBACK that follows it.
 *
 * A COMMIT is in doubt when it was sent (the client had not lost its connection before: pg
 * refuses to send on such a client) and no answer said it failed. The server answers a COMMIT it
 * could not carry out with an ERROR (serialization failure, a deferred constraint, …) and the
 * transaction is rolled back; a FATAL (the connection ends: classes 08, 57P, 58, XX) may come
 * after the commit record was written, and an error without a SQLSTATE is no answer at all.
 */
export function trackCommitsInDoubt(pool: pg.Pool): (err: unknown) => boolean {
  const inDoubt = new WeakSet<object>();
  const remember = (err: unknown) => void (typeof err === 'object' && err !== null && inDoubt.add(err));
  pool.on('connect', (client) => {
    let gone = false;
    client.on('error', () => (gone = true));
    client.on('end', () => (gone = true));
    /** The last COMMIT on this client went out and was not answered: its ROLLBACK's error is in doubt too. */
    let commitLost = false;
    const query = client.query.bind(client) as Query;
    (client as unknown as { query: Query }).query = (...args) => {
      const verb = verbOf(args[0]);
      if (verb !== 'commit' && verb !== 'rollback') return query(...args);
      const sent = !gone;
      const lostBefore = commitLost;
      commitLost = false;
      const result = query(...args);
      if (result instanceof Promise) {
        // Registered before the caller's own handlers, so the error is known when they run.
        result.catch((err: unknown) => {
          if (verb === 'commit' && sent && !answeredWithError(err)) {
            commitLost = true;
            remember(err);
          }
          if (verb === 'rollback' && lostBefore) remember(err);
        });
      }
      return result;
    };
  });
  return (err) => typeof err === 'object' && err !== null && inDoubt.has(err);
}

/** `commit` or `rollback` for those two statements as Kysely sends them; undefined for anything else. */
function verbOf(first: unknown): string | undefined {
  const text = typeof first === 'string' ? first : typeof first === 'object' && first !== null ? (first as { text?: unknown }).text : undefined;
  if (typeof text !== 'string' || text.length > 16) return undefined;
  const verb = text.trim().toLowerCase();
  return verb === 'commit' || verb === 'rollback' ? verb : undefined;
}

/** SQLSTATE classes a server sends as it ends the session (FATAL, PANIC), possibly after committing. */
const SESSION_ENDING_CLASSES = ['08', '57', '58', 'XX'];

/** Whether the server answered with an ERROR: a COMMIT refused so, rolled back, changed nothing. */
function answeredWithError(err: unknown): boolean {
  // A DatabaseError is the server's ErrorResponse; a socket's error (ECONNRESET, EPIPE) is none.
  return err instanceof pg.DatabaseError && typeof err.code === 'string' && !SESSION_ENDING_CLASSES.some((c) => err.code!.startsWith(c));
}
