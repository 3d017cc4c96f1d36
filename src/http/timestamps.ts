/**
 * The store and the core keep time as epoch milliseconds; the API speaks ISO 8601. One rule
 * converts every response: a numeric field named `at` or ending in `At` is a timestamp.
 */
export function isoTimestamps(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(isoTimestamps);
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = typeof v === 'number' && (k === 'at' || /[a-z]At$/.test(k)) && Number.isFinite(v) ? new Date(v).toISOString() : isoTimestamps(v);
    }
    return out;
  }
  return value;
}
