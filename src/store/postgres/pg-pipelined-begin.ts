import pg from 'pg';

type Query = (...args: unknown[]) => unknown;
type Callback = (err: Error | null, result?: unknown) => void;
type QueryConfig = { text: string; name?: string; values?: unknown[] };

/** The name BEGIN is prepared under on each connection (its own, beside the templates' names). */
const BEGIN_STATEMENT = 'mailroom_begin';
/** Longer texts are statements, not BEGIN, COMMIT or ROLLBACK (with room for spaces around them). */
const VERB_MAX = 16;

/**
 * Makes every connection of the pool send a transaction's BEGIN together with the
 * transaction's first statement, in one write and one round trip, instead of a round trip of
 * its own. node-postgres sends one query at a time and waits for its answer, so a group
 * commit's transaction cost a round trip for BEGIN, one per statement and one for COMMIT, and
 * BEGIN was a fifth of all round trips. With the database on another machine each is a network
 * round trip, and an accepted message waited for four (BEGIN, the suppression look-up, the
 * insert, COMMIT), now three. With it on the same machine, neither rate nor CPU moved
 * (docs/performance.md).
 *
 * Kysely begins a transaction with `client.query('begin', [])`. That call is answered at once
 * and remembered; the connection's next statement goes out as BEGIN's Bind and Execute
 * followed by the statement's own messages and one Sync (the extended protocol's pipelining:
 * the server runs them in order, and an error skips the rest up to the Sync, leaving the
 * transaction open in its failed state for Kysely's ROLLBACK, as when BEGIN went alone). A
 * COMMIT or ROLLBACK with nothing sent since the BEGIN sends nothing: no transaction was opened.
 * A text with a semicolon (maybe several statements, which one Parse cannot hold) is sent after
 * a BEGIN of its own, as before.
 *
 * BEGIN is a named prepared statement, parsed once by the connection's first transaction (which
 * sends it alone), so the pipelined messages never carry a Parse whose answer node-postgres
 * would credit to the statement that follows.
 *
 * Registered before every other wrapper of `query` (openPostgres in database.ts): it wraps
 * node-postgres' own, sees the templates' calls already named (pg-prepared.ts), and its answers
 * are promises like node-postgres' (the connection-loss tracking watches those).
 */
export function pipelineBeginOnConnect(pool: pg.Pool): void {
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as Query;
    /** BEGIN as its own round trip: the prepared statement (parsed by the first such call). */
    const begin = () => query({ name: BEGIN_STATEMENT, text: 'begin', values: [] }) as Promise<unknown>;
    let prepared = false;
    /** A BEGIN answered but not sent yet: it goes with the next statement. */
    let pending = false;
    const pipelined: Query = (...args) => {
      const config = promiseCall(args);
      // Only BEGIN, COMMIT and ROLLBACK matter here: short texts without parameters.
      const verb = config && !config.values?.length && config.text.length <= VERB_MAX ? config.text.trim().toLowerCase() : undefined;
      if (verb === 'begin' && !pending) {
        if (prepared) {
          pending = true;
          return Promise.resolve(result('BEGIN'));
        }
        // The connection's first BEGIN prepares the statement the later ones bind.
        return begin().then((r) => ((prepared = true), r));
      }
      if (!pending) return query(...args);
      pending = false;
      // Nothing was sent since BEGIN: there is no transaction to end.
      if (verb === 'commit' || verb === 'rollback') return Promise.resolve(result(verb.toUpperCase()));
      // A statement the extended protocol can carry goes with BEGIN; anything else (a callback,
      // options, text with a semicolon, which may be several statements) after it.
      if (config && !config.text.includes(';')) return new Promise((resolve, reject) => query(new BegunQuery(config, (err, r) => (err ? reject(err) : resolve(r)))));
      const begun = begin();
      const answer = query(...args);
      // Queued in this order on the one connection; a failed BEGIN fails what follows too.
      begun.catch(() => undefined);
      return answer;
    };
    (client as unknown as { query: Query }).query = pipelined;
  });
}

/**
 * The query of `query(text, values?)` or `query({ text, name?, values? })`, the calls Kysely and
 * pg-prepared.ts make (answered by a promise); undefined for anything else (a callback, a
 * submittable, other options), which goes to node-postgres unchanged.
 */
function promiseCall(args: unknown[]): QueryConfig | undefined {
  const [first, second] = args;
  if (args.length > 2) return undefined;
  if (typeof first === 'string' && (second === undefined || Array.isArray(second))) return { text: first, values: second as unknown[] | undefined };
  if (args.length === 1 && typeof first === 'object' && first !== null && !('submit' in first)) {
    const { text, name, values, ...rest } = first as QueryConfig;
    if (typeof text === 'string' && Object.keys(rest).length === 0 && (values === undefined || Array.isArray(values))) return { text, name, values };
  }
  return undefined;
}

const result = (command: string) => ({ command, rowCount: null, rows: [], fields: [] });

/** node-postgres' Query methods this file calls on its subclass. */
const QUERY_PROTOTYPE = pg.Query.prototype as unknown as { submit: unknown; handleReadyForQuery(this: pg.Query, c: pg.Connection): void };

/** A statement sent after the prepared BEGIN's Bind and Execute, answered with its own result. */
class BegunQuery extends pg.Query {
  constructor(config: QueryConfig, callback: Callback) {
    // Extended protocol always (Parse only when not yet prepared): a simple Query message would
    // end the pipeline with its own Sync.
    super({ ...config, queryMode: 'extended', callback } as unknown as pg.QueryConfig);
  }

  /** BEGIN's Bind and Execute, then the statement's own messages and Sync, in one write. */
  override submit = (connection: pg.Connection): void => {
    // What node-postgres' submit returns (an Error it could not send) goes back to the client.
    const c = connection as unknown as { stream: { cork?(): void; uncork?(): void }; bind(o: object): void; execute(o: object): void };
    c.stream.cork?.();
    try {
      c.bind({ portal: '', statement: BEGIN_STATEMENT, values: [] });
      c.execute({ portal: '', rows: 0 });
      // node-postgres' own submit: it refuses only what promiseCall let through never (no text,
      // values not an array) or a name reused for another text, which the templates' names are not.
      return (QUERY_PROTOTYPE.submit as (this: pg.Query, connection: pg.Connection) => void).call(this, connection);
    } finally {
      c.stream.uncork?.();
    }
  };

  /** BEGIN's CommandComplete made node-postgres keep two results: the statement's is the last. */
  handleReadyForQuery(connection: pg.Connection): void {
    const self = this as unknown as { _results: unknown };
    if (Array.isArray(self._results)) self._results = self._results[self._results.length - 1];
    QUERY_PROTOTYPE.handleReadyForQuery.call(this, connection);
  }
}
