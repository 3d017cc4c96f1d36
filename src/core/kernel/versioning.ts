import { isDeepStrictEqual } from 'node:util';
import { ErrorCodes, MailroomError } from './errors.js';
import { int } from './validate.js';

/**
 * Optimistic concurrency for every versioned resource (servers, accounts, purposes, and the
 * templates and rules to come): an update names the version it read, and loses cleanly when
 * someone else wrote in between.
 */
export function requireVersion(input: unknown): number {
  const v = (input as { version?: unknown } | null)?.version;
  if (v === undefined) throw new MailroomError(ErrorCodes.VALIDATION, 'version: is required on update (send the version you read, to avoid overwriting a newer change)', { field: 'version' });
  return int('version', v, 1, Number.MAX_SAFE_INTEGER);
}

export function versionConflict(kind: string, id: string, current: number, sent: number): MailroomError {
  return new MailroomError(ErrorCodes.VERSION_CONFLICT, `${kind} ${id} was changed by someone else (version ${current}, you sent ${sent}); reload and apply your change again`, {
    currentVersion: current,
  });
}

/**
 * The version a write names: required on PATCH; on PUT (create or replace) given only when
 * replacing what the caller read, undefined when creating.
 */
export function versionOf(input: unknown, mode: 'put' | 'patch'): number | undefined {
  if (mode === 'patch') return requireVersion(input);
  const sent = (input as { version?: unknown } | null)?.version;
  return sent === undefined ? undefined : int('version', sent, 1, Number.MAX_SAFE_INTEGER);
}

/**
 * Whether an update changes nothing but its bookkeeping (version, when, by whom): then it is not
 * written, audited or versioned, and the resource keeps its version. A form saved again as it
 * was loaded (a PATCH of the same values) made the next editor's save a version conflict and,
 * for a template, a copy in its history; users were the one resource that already kept still.
 */
export function changesNothing(prev: object, next: object): boolean {
  const state = ({ version: _version, updatedAt: _at, updatedBy: _by, ...rest }: Record<string, unknown>) => rest;
  return isDeepStrictEqual(state(prev as Record<string, unknown>), state(next as Record<string, unknown>));
}
