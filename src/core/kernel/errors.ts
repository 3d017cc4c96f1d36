/**
 * The stable error catalogue. Every failure Mailroom reports carries one of these codes;
 * clients may rely on them. Messages are for people and may improve; codes never change.
 * HTTP statuses live only in src/http/error-status.ts.
 */
export const ErrorCodes = {
  // Input
  VALIDATION: 'MAILROOM_E_VALIDATION',
  MALFORMED_JSON: 'MAILROOM_E_MALFORMED_JSON',
  UNKNOWN_FIELD: 'MAILROOM_E_UNKNOWN_FIELD',
  HEADER_INJECTION: 'MAILROOM_E_HEADER_INJECTION',
  INVALID_ADDRESS: 'MAILROOM_E_INVALID_ADDRESS',
  PAYLOAD_TOO_LARGE: 'MAILROOM_E_PAYLOAD_TOO_LARGE',
  /** A request body sent compressed (a Content-Encoding other than identity): bodies are read as sent, never decoded. */
  UNSUPPORTED_CONTENT_ENCODING: 'MAILROOM_E_UNSUPPORTED_CONTENT_ENCODING',
  UNKNOWN_PLACEHOLDER: 'MAILROOM_E_UNKNOWN_PLACEHOLDER',
  // The connection (HTTP's clientError, before any request is read: src/http/errors.ts)
  HEADERS_TOO_LARGE: 'MAILROOM_E_HEADERS_TOO_LARGE',
  REQUEST_TIMEOUT: 'MAILROOM_E_REQUEST_TIMEOUT',
  // Resources
  NOT_FOUND: 'MAILROOM_E_NOT_FOUND',
  DUPLICATE: 'MAILROOM_E_DUPLICATE',
  IDEMPOTENCY_MISMATCH: 'MAILROOM_E_IDEMPOTENCY_MISMATCH',
  VERSION_CONFLICT: 'MAILROOM_E_VERSION_CONFLICT',
  IN_USE: 'MAILROOM_E_IN_USE',
  LOCKED: 'MAILROOM_E_LOCKED',
  INVALID_STATE: 'MAILROOM_E_INVALID_STATE',
  // Auth
  UNAUTHENTICATED: 'MAILROOM_E_UNAUTHENTICATED',
  FORBIDDEN: 'MAILROOM_E_FORBIDDEN',
  CSRF: 'MAILROOM_E_CSRF',
  RATE_LIMITED: 'MAILROOM_E_RATE_LIMITED',
  INVALID_CREDENTIALS: 'MAILROOM_E_INVALID_CREDENTIALS',
  API_KEY_EXPIRED: 'MAILROOM_E_API_KEY_EXPIRED',
  API_KEY_CREATOR_INACTIVE: 'MAILROOM_E_API_KEY_CREATOR_INACTIVE',
  // Secrets and configuration
  SECRET_KEY_MISSING: 'MAILROOM_E_SECRET_KEY_MISSING',
  SECRET_KEY_INVALID: 'MAILROOM_E_SECRET_KEY_INVALID',
  SECRET_KEY_MISMATCH: 'MAILROOM_E_SECRET_KEY_MISMATCH',
  SECRET_UNRESOLVED: 'MAILROOM_E_SECRET_UNRESOLVED',
  SECRET_PROVIDER_UNSUPPORTED: 'MAILROOM_E_SECRET_PROVIDER_UNSUPPORTED',
  CONFIG: 'MAILROOM_E_CONFIG',
  DATA_DIR_IN_USE: 'MAILROOM_E_DATA_DIR_IN_USE',
  // Sending
  NO_SENDER: 'MAILROOM_E_NO_SENDER',
  PURPOSE_DISABLED: 'MAILROOM_E_PURPOSE_DISABLED',
  FROM_NOT_ALLOWED: 'MAILROOM_E_FROM_NOT_ALLOWED',
  TOO_MANY_RECIPIENTS: 'MAILROOM_E_TOO_MANY_RECIPIENTS',
  SUBJECT_TOO_LONG: 'MAILROOM_E_SUBJECT_TOO_LONG',
  MESSAGE_TOO_LARGE: 'MAILROOM_E_MESSAGE_TOO_LARGE',
  ATTACHMENT_TOO_LARGE: 'MAILROOM_E_ATTACHMENT_TOO_LARGE',
  HEADER_NOT_ALLOWED: 'MAILROOM_E_HEADER_NOT_ALLOWED',
  OVERRIDE_NOT_ALLOWED: 'MAILROOM_E_OVERRIDE_NOT_ALLOWED',
  UNKNOWN_PURPOSE: 'MAILROOM_E_UNKNOWN_PURPOSE',
  ACCOUNT_INACTIVE: 'MAILROOM_E_ACCOUNT_INACTIVE',
  // Inbound
  INBOUND_NOT_READ: 'MAILROOM_E_INBOUND_NOT_READ',
  // Templates
  TEMPLATE_SYNTAX: 'MAILROOM_E_TEMPLATE_SYNTAX',
  TEMPLATE_RENDER: 'MAILROOM_E_TEMPLATE_RENDER',
  TEMPLATE_LIMIT: 'MAILROOM_E_TEMPLATE_LIMIT',
  // Diagnostics
  TARGET_NOT_ALLOWED: 'MAILROOM_E_TARGET_NOT_ALLOWED',
  // Infrastructure
  STORE_UNAVAILABLE: 'MAILROOM_E_STORE_UNAVAILABLE',
  STORE_OUTCOME_UNKNOWN: 'MAILROOM_E_STORE_OUTCOME_UNKNOWN',
  STORE_FULL: 'MAILROOM_E_STORE_FULL',
  /** The template engine itself cannot render now (its render threads failing, shutting down): no template's fault; retry. */
  RENDER_UNAVAILABLE: 'MAILROOM_E_RENDER_UNAVAILABLE',
  /** A time shared by the whole process is spent for now (the pattern time of all events): nothing of the request's; retry. */
  BUSY: 'MAILROOM_E_BUSY',
  INTERNAL: 'MAILROOM_E_INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class MailroomError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'MailroomError';
    this.code = code;
    this.details = details;
  }
}

export function isMailroomError(err: unknown): err is MailroomError {
  return err instanceof MailroomError;
}

/** Shorthand for the most common failure: a field whose value cannot be accepted. */
export function invalid(field: string, message: string): MailroomError {
  return new MailroomError(ErrorCodes.VALIDATION, `${field}: ${message}`, { field });
}

/**
 * A value outside a fixed list: the message says what to use, `details.allowed` carries the
 * whole list (docs/api.md, Conventions), as the HTTP layer's own enum errors do.
 */
export function notAllowed(field: string, message: string, allowed: readonly unknown[]): MailroomError {
  return new MailroomError(ErrorCodes.VALIDATION, `${field}: ${message}`, { field, allowed });
}

/**
 * An error about a field of a nested object, named by its full path: core code that checks a
 * bulk action's filter names its fields as the query string does (`status`), the body has them
 * under `filter` (`filter.status`); the dry run checks its `event` as POST /events checks a
 * body (`type` → `event.type`). Errors about something else pass through as they are.
 */
export function withinField(prefix: string, err: unknown): unknown {
  if (!isMailroomError(err)) return err;
  const details = err.details as { field?: unknown } | undefined;
  const field = details?.field;
  if (typeof field !== 'string' || field === prefix || field.startsWith(`${prefix}.`) || field.startsWith(`${prefix}[`)) return err;
  const full = `${prefix}.${field}`;
  const message = err.message.startsWith(`${field}:`) ? `${full}${err.message.slice(field.length)}` : `${full}: ${err.message}`;
  return new MailroomError(err.code, message, { ...details, field: full });
}

export function notFound(kind: string, id: string): MailroomError {
  return new MailroomError(ErrorCodes.NOT_FOUND, `${kind} ${id} does not exist`, { kind, id });
}

/**
 * A write the store refused because a row with the same unique key exists. Repositories
 * raise it from the driver's code (SQLSTATE 23505, SQLITE_CONSTRAINT_UNIQUE/PRIMARYKEY),
 * never from its message text, which PostgreSQL translates (lc_messages). Unhandled, it is
 * a 409 like any other duplicate.
 */
export class DuplicateKeyError extends MailroomError {
  constructor() {
    super(ErrorCodes.DUPLICATE, 'a record with the same key already exists; reload and try again');
    this.name = 'DuplicateKeyError';
  }
}

export function isDuplicateKey(err: unknown): err is DuplicateKeyError {
  return err instanceof DuplicateKeyError;
}

/** Seconds a caller should wait before trying again while the store is away or full. */
export const STORE_RETRY_AFTER_SEC = 5;

/** Seconds a caller should wait before trying again while the template engine cannot render (a new render thread starts meanwhile). */
export const RENDER_RETRY_AFTER_SEC = 5;

/**
 * What the store's trouble is: `unavailable` (away, refusing, read-only, misconfigured: nothing
 * was changed), `full` (the disk: nothing was changed), or `outcome-unknown` (the connection
 * was lost after a COMMIT was sent and before its answer: the change may be stored or not).
 */
export type StoreTrouble = 'unavailable' | 'full' | 'outcome-unknown';

/** A function, not a table: the route contracts' reading (scripts/contracts) follows calls, and so finds these codes. */
function storeTroubleCode(kind: StoreTrouble): ErrorCode {
  if (kind === 'full') return ErrorCodes.STORE_FULL;
  return kind === 'outcome-unknown' ? ErrorCodes.STORE_OUTCOME_UNKNOWN : ErrorCodes.STORE_UNAVAILABLE;
}

/**
 * What the caller is told. "Nothing was stored" only where it is true: a COMMIT whose answer
 * was lost may have committed, and a client told otherwise would send the message twice.
 */
function storeTroubleMessage(kind: StoreTrouble, cause: string, problem: string | undefined): string {
  if (kind === 'full') return 'the database cannot grow: the disk is full; nothing was stored; try again once space is freed';
  if (kind === 'outcome-unknown') {
    return (
      `the connection to the database was lost while the change was being committed (${cause}): it may or may not have been stored; ` +
      'try again with the same idempotency key, which answers with the first one if it was stored (without a key, look before sending again)'
    );
  }
  return `${problem ?? 'the database is not reachable right now'} (${cause}); nothing was stored; try again shortly`;
}

/**
 * The store cannot take the request right now (the database is unreachable, a connection was
 * cut, it is read-only, the disk is full), or cannot say whether it took it (`outcome-unknown`).
 * For `unavailable` and `full` nothing was changed; the same request may succeed later.
 * Callers (HTTP clients, the relay, the workers) retry; nobody is told "done" for work not on
 * disk, nor "nothing was stored" for a commit whose answer was lost. `problem` says what is
 * wrong when the database said so (read-only, refusing connections), instead of "not reachable".
 */
export class StoreUnavailableError extends MailroomError {
  constructor(
    readonly kind: StoreTrouble,
    cause: string,
    problem?: string,
  ) {
    super(storeTroubleCode(kind), storeTroubleMessage(kind, cause, problem), { retryAfterSec: STORE_RETRY_AFTER_SEC });
    this.name = 'StoreUnavailableError';
  }
}

/**
 * Whether a failure is the store's trouble (transient: retry later). Also true for
 * `outcome-unknown`: workers wait for the store alike, and a group commit must not run the
 * jobs of a batch whose COMMIT may have gone through again one by one.
 */
export function isStoreUnavailable(err: unknown): err is StoreUnavailableError {
  return err instanceof StoreUnavailableError;
}
