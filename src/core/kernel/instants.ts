import { invalid } from './errors.js';
import { LAST_INSTANT } from './validate.js';

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
