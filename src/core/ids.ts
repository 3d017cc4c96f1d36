import { monotonicFactory } from 'ulid';

const next = monotonicFactory();

/**
 * Identifiers are ULIDs with a short type prefix: time-ordered (so cursor pagination and
 * "newest first" are index scans) and unambiguous in logs ("msg_…" is always a message).
 */
export function newId(prefix: string, now = Date.now()): string {
  return `${prefix}_${next(now).toLowerCase()}`;
}
