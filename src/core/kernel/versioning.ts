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
 *
 * `sets` names the fields (dotted paths: `events`, `smtp.direct.requireTlsDomains`) that are
 * lists whose order means nothing (a rule's or a webhook's events): the same items in another
 * order are no change either. Such a save is not written, so the stored order stays; a save that
 * changes something else stores the order it was sent in. Lists whose order means something
 * (a rule's roles, mailed in that order; failover accounts) are not named and compare in order.
 */
export function changesNothing(prev: object, next: object, sets: readonly string[] = []): boolean {
  const state = ({ version: _version, updatedAt: _at, updatedBy: _by, ...rest }: Record<string, unknown>) => {
    let out: Record<string, unknown> = rest;
    for (const path of sets) out = withSetAt(out, path.split('.'));
    return out;
  };
  return isDeepStrictEqual(state(prev as Record<string, unknown>), state(next as Record<string, unknown>));
}

/** A copy of `obj` with the list at `path` as a set would compare: its distinct items, sorted (by their JSON). */
function withSetAt(obj: Record<string, unknown>, path: readonly string[]): Record<string, unknown> {
  const [key, ...rest] = path;
  if (!Object.hasOwn(obj, key)) return obj;
  const value = obj[key];
  if (rest.length) return value !== null && typeof value === 'object' && !Array.isArray(value) ? { ...obj, [key]: withSetAt(value as Record<string, unknown>, rest) } : obj;
  if (!Array.isArray(value)) return obj;
  const byText = new Map(value.map((item) => [JSON.stringify(item), item] as const));
  return { ...obj, [key]: [...byText.keys()].sort().map((k) => byText.get(k)) };
}
