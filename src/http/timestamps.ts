/** The largest epoch-ms value a Date can hold. */
const MAX_DATE_MS = 8.64e15;

/**
 * The store and the core keep time as epoch milliseconds; the API speaks ISO 8601. One rule
 * converts every response: a numeric field named `at` or ending in `At` is a timestamp.
 */
/**
 * Someone else's JSON (a template's sample data, an event's data) shielded from the rule above:
 * a prototype-less copy is left as it is, at every depth, so `{ "expiresAt": 1700000000000 }`
 * comes back as it was written.
 */
export function opaque(data: Record<string, unknown>): Record<string, unknown> {
  return Object.assign(Object.create(null) as Record<string, unknown>, data);
}

export function isoTimestamps(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(isoTimestamps);
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // A number Date cannot show (a row stored before the input check) stays a number rather than failing the whole answer.
      out[k] = typeof v === 'number' && (k === 'at' || /[a-z]At$/.test(k)) && Math.abs(v) <= MAX_DATE_MS ? new Date(v).toISOString() : isoTimestamps(v);
    }
    return out;
  }
  return value;
}
