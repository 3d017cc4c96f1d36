import { DuplicateKeyError, ErrorCodes, MailroomError, StoreUnavailableError, type StoreTrouble } from '../core/kernel/errors.js';
import type { Repositories } from '../core/ports.js';

/**
 * Driver errors become the core's typed errors here, by the driver's code and never by its
 * message text (PostgreSQL translates its messages with lc_messages; SQLite's wording is not
 * an interface either).
 */
const UNIQUE_CODES = new Set([
  '23505', // PostgreSQL unique_violation
  'SQLITE_CONSTRAINT_UNIQUE',
  'SQLITE_CONSTRAINT_PRIMARYKEY',
]);

/** The disk under the database is full. */
const FULL_CODES = new Set(['53100', 'SQLITE_FULL', 'ENOSPC']);

/** The database is away or cannot serve now; the same request may succeed later. */
const UNAVAILABLE_CODES = new Set([
  // Network, from the operating system (pg connecting, a socket cut)
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  // PostgreSQL: too many connections, out of resources (shutting down, starting up and the rest
  // of class 57P, and class 08, are in isUnavailableCode)
  '53000',
  '53200',
  '53300',
  // PostgreSQL: read-only (a standby, default_transaction_read_only): every write fails alike
  '25006',
  // PostgreSQL: a named prepared statement missing, or there already: PgBouncer's transaction
  // pooling without prepared-statement support (Mailroom's own statements are the only named ones)
  '26000',
  '42P05',
  // SQLite: locked beyond busy_timeout, I/O failing, file gone
  'SQLITE_BUSY',
  'SQLITE_IOERR',
  'SQLITE_CANTOPEN',
  'SQLITE_READONLY_DBMOVED',
]);

const PGBOUNCER_PROBLEM =
  "Mailroom's prepared statements were lost between PostgreSQL connections: PgBouncer in transaction mode needs version 1.21 or later with max_prepared_statements set, or use pool_mode = session (docs/operations.md, Storage)";

/** What to tell the operator about a code (else "not reachable"), by the code, never the text. */
const PROBLEMS: Record<string, string> = {
  '25006': 'the database is read-only: is DATABASE_URL pointing at a standby, or is default_transaction_read_only on?',
  '26000': PGBOUNCER_PROBLEM,
  '42P05': PGBOUNCER_PROBLEM,
  '53300': 'the database has no connection left for Mailroom (max_connections)',
  '57P03': 'the database is starting up or shutting down',
  '57P04': 'the database was dropped',
};

/**
 * Refusals that only mean "the database is not there for us" when a connection is being opened
 * (55000 is a broad class at other times); each leaves nothing sent, so nothing stored.
 */
const CONNECT_PROBLEMS: Record<string, string> = {
  '55000': 'the database does not allow connections (ALTER DATABASE … ALLOW_CONNECTIONS)',
  '3D000': 'the database does not exist: was it dropped, or does DATABASE_URL name another?',
  '28P01': "the database refused Mailroom's login: check the user name and password in DATABASE_URL",
  '28000': "the database refused Mailroom's login: check the user name and password in DATABASE_URL",
};

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * SQLSTATE class 08: connection exception; 57P: operator intervention (shutting down, starting
 * up, database dropped). SQLITE_IOERR_* extended codes are I/O failures.
 */
const isUnavailableCode = (code: string) => UNAVAILABLE_CODES.has(code) || code.startsWith('08') || code.startsWith('57P') || code.startsWith('SQLITE_IOERR');

export interface ErrorTranslatorOptions {
  /**
   * Asks the database whether it answers. Used for errors that carry no code (pg raises a plain
   * Error when a connection ends mid-query): if the database does not answer either, it is away.
   */
  probe?: () => Promise<void>;
  /** Whether the driver reported this error as the end of a connection. */
  isConnectionLoss?: (err: unknown) => boolean;
  /** Whether this error ended a transaction whose COMMIT was sent and never answered (pg-commit-outcome.ts). */
  isCommitInDoubt?: (err: unknown) => boolean;
  /** Whether this error came from opening a connection: no statement was sent. */
  isConnectFailure?: (err: unknown) => boolean;
  /** Told once per cause and minute (not per request) why the store is in trouble; `problem` says what is wrong when known. */
  onOutage?: (err: unknown, kind: StoreTrouble, problem: string | undefined) => void;
}

export type ErrorTranslator = (err: unknown) => Promise<unknown>;

/** A database away for an hour is one line per cause a minute, not one per request or worker round. */
const OUTAGE_REPORT_EVERY_MS = 60_000;

export function createErrorTranslator(opts: ErrorTranslatorOptions = {}): ErrorTranslator {
  // By cause, not only the last one: causes that alternate (a cut, then refused connections) are each said once a minute.
  const reportedAt = new Map<string, number>();
  const outage = (err: unknown, kind: StoreTrouble, cause: string, problem?: string) => {
    const now = Date.now();
    const key = `${kind} ${cause}`;
    if (now - (reportedAt.get(key) ?? -Infinity) > OUTAGE_REPORT_EVERY_MS) {
      reportedAt.set(key, now);
      opts.onOutage?.(err, kind, problem);
    }
    return new StoreUnavailableError(kind, cause, problem);
  };
  return async (err) => {
    if (err instanceof DuplicateKeyError || err instanceof StoreUnavailableError) return err;
    // Before anything the code says: whatever ended it, the COMMIT may have gone through.
    if (opts.isCommitInDoubt?.(err)) return outage(err, 'outcome-unknown', codeOf(err) ?? 'connection lost');
    const code = codeOf(err);
    if (code !== undefined) {
      if (UNIQUE_CODES.has(code)) return new DuplicateKeyError();
      // Input the database itself refuses is the caller's mistake, and the statement changed nothing.
      if (code === '22021' || code === '22P05') {
        return new MailroomError(ErrorCodes.VALIDATION, 'a text value contains a NUL character (\\u0000), which cannot be stored; remove it');
      }
      if (code === '22003') return new MailroomError(ErrorCodes.VALIDATION, 'a number is out of the range that can be stored');
      if (FULL_CODES.has(code)) return outage(err, 'full', code);
      if (isUnavailableCode(code)) return outage(err, 'unavailable', code, PROBLEMS[code]);
      // A connection that could not be opened sent nothing, whatever refused it (a login, TLS, a database gone).
      if (opts.isConnectFailure?.(err)) return outage(err, 'unavailable', code, CONNECT_PROBLEMS[code] ?? 'cannot connect to the database');
      return err;
    }
    if (opts.isConnectionLoss?.(err)) return outage(err, 'unavailable', 'connection lost');
    // A plain Error without a code from the driver: a closed connection, or a bug. Ask the database.
    if (opts.probe && err instanceof Error && err.constructor === Error) {
      try {
        await opts.probe();
      } catch (probeErr) {
        return outage(err, 'unavailable', codeOf(probeErr) ?? 'connection lost');
      }
    }
    return err;
  };
}

type AnyRepo = Record<string, unknown>;
type Fn = (...args: unknown[]) => Promise<unknown>;

/** Repositories whose every method reports driver errors translated. */
export function translatingRepositories(repos: Repositories, translate: ErrorTranslator): Repositories {
  const out: Record<string, AnyRepo> = {};
  const rethrow = async (err: unknown) => {
    throw await translate(err);
  };
  for (const [name, repo] of Object.entries(repos as unknown as Record<string, AnyRepo>)) {
    const wrapped: AnyRepo = {};
    for (const [method, fn] of Object.entries(repo)) {
      wrapped[method] =
        typeof fn === 'function'
          ? (...args: unknown[]) => {
              const result = (fn as Fn).apply(repo, args);
              return result instanceof Promise ? result.catch(rethrow) : result;
            }
          : fn;
    }
    out[name] = wrapped;
  }
  return out as unknown as Repositories;
}
