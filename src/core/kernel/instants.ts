import { invalid } from './errors.js';

/** 9999-12-31T23:59:59.999Z: the last instant an ISO 8601 answer (and a bigint column) can carry. */
export const LAST_INSTANT = 253_402_300_799_999;

/**
 * A point in time as a filter gives it (a query string or a JSON body): ISO 8601 text or epoch
 * milliseconds, between 1970 and 9999. Undefined when absent or empty.
 */
export function parseInstant(field: string, v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const t = typeof v === 'number' ? v : /^\d+$/.test(String(v)) ? Number(v) : Date.parse(String(v));
  if (!Number.isFinite(t)) throw invalid(field, 'must be an ISO 8601 date-time or epoch milliseconds');
  if (t < 0 || t > LAST_INSTANT) throw invalid(field, 'must be a date between 1970 and 9999');
  return t;
}
