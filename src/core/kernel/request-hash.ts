import { createHash } from 'node:crypto';
import { ErrorCodes, MailroomError } from './errors.js';
import { spokenInstant } from './instants.js';

/**
 * What tells a retry from a new request under a reused idempotency key: a SHA-256 of the
 * request body as JSON with every object's keys sorted, so the same body sent again by a
 * client that orders its fields differently is still the same request. Only the digest is
 * stored, never the body a second time.
 */
export function requestHash(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(sorted(body))).digest('hex');
}

function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) out[k] = sorted((v as Record<string, unknown>)[k]);
  return out;
}

/** What a request under a key seen before is checked against: the first request's hash (null when stored before hashes were kept) and when it came. */
export interface FirstUse {
  requestHash: string | null;
  at: number;
}

/**
 * Refuses a key reused with another body (as Stripe does): answering it with the first
 * request's result would drop the new request unseen. A first use stored without a hash
 * (before migration 025) cannot be compared and stays a retry.
 */
export function assertSameRequest(first: FirstUse, hash: string, key: { field: string; value: string; id?: string }): void {
  if (first.requestHash === null || first.requestHash === hash) return;
  const firstUsedAt = new Date(first.at).toISOString();
  throw new MailroomError(
    ErrorCodes.IDEMPOTENCY_MISMATCH,
    `${key.field} "${key.value}" was first used at ${spokenInstant(first.at)} with a different request; nothing was stored or sent. Send that request again to get its answer, or use a new ${key.field} for a new request`,
    { field: key.field, firstUsedAt, ...(key.id ? { id: key.id } : {}) },
  );
}
