import pg from 'pg';
import { ErrorCodes, MailroomError } from '../../core/kernel/errors.js';

/** A statement prepared under a name, as Mailroom's own (pg-prepared.ts, pg-pipelined-begin.ts). */
const PROBE = { name: 'mailroom_pooling_check', text: 'select 1' };
/** invalid_sql_statement_name (not prepared there), duplicate_prepared_statement (prepared there already). */
const LOST_STATEMENT_CODES = new Set(['26000', '42P05']);
/** How long the second look waits for a server connection (a pooler with one waits for the held transaction). */
const HOLD_WAIT_MS = 2_000;

/**
 * Refuses to start behind a pooler that loses prepared statements between transactions
 * (PgBouncer in transaction mode before 1.21, or without max_prepared_statements). Mailroom
 * prepares its BEGIN and hot statements by name; behind such a pooler it started silently and
 * then failed a random share of its requests ("prepared statement … does not exist"). Two
 * connections: the first prepares a statement; the second holds a transaction open, so that under
 * transaction pooling it holds the server connection the first just used (PgBouncer hands out the
 * one released last); the first runs its statement again, which pg sends without the text, as it
 * believes it prepared; then the second prepares the same name, which a server connection that
 * already has it refuses. Directly on PostgreSQL, in session pooling or with PgBouncer's
 * prepared-statement support, that works. Anything else going wrong (the database away) is left
 * to the migrations that follow, which say why.
 */
export async function refuseStatementLosingPooler(connectionString: string, connectTimeoutMs: number): Promise<void> {
  const open = () => new pg.Client({ connectionString, connectionTimeoutMillis: connectTimeoutMs });
  const first = open();
  const second = open();
  // A network error on these clients must not crash the process (the answer to the query says it).
  for (const c of [first, second]) c.on('error', () => undefined);
  try {
    await Promise.all([first.connect(), second.connect()]);
    const code = await lostStatementCode(first, second);
    if (code) {
      throw new MailroomError(
        ErrorCodes.CONFIG,
        `DATABASE_URL leads through a connection pooler that loses prepared statements between transactions (SQLSTATE ${code}): ` +
          'PgBouncer in transaction mode needs version 1.21 or later with max_prepared_statements set (e.g. 200), or run Mailroom on a pool_mode = session pool, ' +
          'or point DATABASE_URL at PostgreSQL itself (docs/operations.md, Storage)',
      );
    }
  } catch (err) {
    if (err instanceof MailroomError) throw err;
  } finally {
    await Promise.allSettled([first.end(), second.end()]);
  }
}

async function lostStatementCode(first: pg.Client, second: pg.Client): Promise<string | undefined> {
  try {
    await first.query(PROBE);
    await second.query('begin');
    const again = first.query(PROBE).then(
      () => undefined,
      (err: unknown) => err,
    );
    const early = await Promise.race([again, new Promise<'waiting'>((r) => setTimeout(() => r('waiting'), HOLD_WAIT_MS).unref())]);
    await second.query('rollback');
    const held = early === 'waiting' ? await again : early;
    if (held !== undefined) return lostCode(held);
    // A pooler with one server connection made the first wait for it: the second now prepares the
    // same name where the first did, which a server connection shared between clients refuses.
    await second.query(PROBE);
    return undefined;
  } catch (err) {
    return lostCode(err);
  }
}

function lostCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && LOST_STATEMENT_CODES.has(code) ? code : undefined;
}
