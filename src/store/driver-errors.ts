import { DuplicateKeyError, ErrorCodes, MailroomError, StoreUnavailableError } from '../core/kernel/errors.js';
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
  // PostgreSQL: shutting down, starting up, too many connections, out of resources
  '57P01',
  '57P02',
  '57P03',
  '53000',
  '53200',
  '53300',
  // SQLite: locked beyond busy_timeout, I/O failing, file gone
  'SQLITE_BUSY',
  'SQLITE_IOERR',
  'SQLITE_CANTOPEN',
  'SQLITE_READONLY_DBMOVED',
]);

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** SQLSTATE class 08: connection exception. SQLITE_IOERR_* extended codes are I/O failures. */
const isUnavailableCode = (code: string) => UNAVAILABLE_CODES.has(code) || code.startsWith('08') || code.startsWith('SQLITE_IOERR');

export interface ErrorTranslatorOptions {
  /**
   * Asks the database whether it answers. Used for errors that carry no code (pg raises a plain
   * Error when a connection ends mid-query): if the database does not answer either, it is away.
   */
  probe?: () => Promise<void>;
  /** Whether the driver reported this error as the end of a connection. */
  isConnectionLoss?: (err: unknown) => boolean;
  /** Told once per outage (not per request) why the store is unavailable. */
  onOutage?: (err: unknown, kind: 'unavailable' | 'full') => void;
}

export type ErrorTranslator = (err: unknown) => Promise<unknown>;

export function createErrorTranslator(opts: ErrorTranslatorOptions = {}): ErrorTranslator {
  let reported: string | undefined;
  let reportedAt = 0;
  const outage = (err: unknown, kind: 'unavailable' | 'full', cause: string) => {
    // Once per cause and minute: a database away for an hour is one line a minute, not one per request.
    const now = Date.now();
    if (reported !== cause || now - reportedAt > 60_000) {
      reported = cause;
      reportedAt = now;
      opts.onOutage?.(err, kind);
    }
    return new StoreUnavailableError(kind, cause);
  };
  return async (err) => {
    if (err instanceof DuplicateKeyError || err instanceof StoreUnavailableError) return err;
    const code = codeOf(err);
    if (code !== undefined) {
      if (UNIQUE_CODES.has(code)) return new DuplicateKeyError();
      // Input the database itself refuses is the caller's mistake, and the statement changed nothing.
      if (code === '22021' || code === '22P05') {
        return new MailroomError(ErrorCodes.VALIDATION, 'a text value contains a NUL character (\\u0000), which cannot be stored; remove it');
      }
      if (code === '22003') return new MailroomError(ErrorCodes.VALIDATION, 'a number is out of the range that can be stored');
      if (FULL_CODES.has(code)) return outage(err, 'full', code);
      if (isUnavailableCode(code)) return outage(err, 'unavailable', code);
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
