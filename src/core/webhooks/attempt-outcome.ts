import { spokenInstant } from '../kernel/instants.js';
import { parseRetryAfter } from './retry-schedule.js';
import type { StoredEndpoint } from './ports.js';

/** What came back from one POST to a receiver (the HTTP adapter reports it; it judges nothing). */
export type ReceiverAnswer =
  | { kind: 'response'; status: number; durationMs: number; retryAfter?: string; location?: string; excerpt: string | null }
  /** The network policy refused the address the host resolves to now: nothing was sent. */
  | { kind: 'refused'; durationMs: number; message: string }
  /** No answer: DNS, connection, TLS or timeout; the message says which. */
  | { kind: 'error'; durationMs: number; message: string };

export interface AttemptJudgement {
  succeeded: boolean;
  /** 410 Gone: the receiver says the endpoint is no more; Mailroom switches it off. */
  gone: boolean;
  statusCode: number | null;
  /** What went wrong, in words (null on success). */
  error: string | null;
  /** The receiver's Retry-After, in milliseconds from now. */
  retryAfterMs?: number;
}

/** Any 2xx is a success; everything else is a failure to retry (410 also switches the endpoint off). */
export function judgeAnswer(a: ReceiverAnswer, now: number): AttemptJudgement {
  if (a.kind !== 'response') return { succeeded: false, gone: false, statusCode: null, error: a.message };
  const status = a.status;
  if (status >= 200 && status < 300) return { succeeded: true, gone: false, statusCode: status, error: null };
  if (status === 410) return { succeeded: false, gone: true, statusCode: status, error: 'HTTP 410 Gone: the receiver says this endpoint no longer exists' };
  if (status >= 300 && status < 400) {
    const to = a.location ? ` to ${a.location}` : '';
    return { succeeded: false, gone: false, statusCode: status, error: `HTTP ${status} redirect${to} not followed: Mailroom never follows redirects; set the endpoint's URL to the final address` };
  }
  const retryAfterMs = parseRetryAfter(a.retryAfter, now);
  const after = retryAfterMs !== undefined ? `; Retry-After ${Math.round(retryAfterMs / 1000)} s` : '';
  return { succeeded: false, gone: false, statusCode: status, error: `HTTP ${status}${after}`, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}

/** An endpoint is switched off once every attempt has failed for this long … */
export const AUTO_DISABLE_AFTER_MS = 5 * 24 * 3600 * 1000;
/** … and at least this many attempts in a row (a quiet endpoint with two failures a week apart is not dead). */
export const AUTO_DISABLE_MIN_FAILURES = 20;

/** Why Mailroom switches the endpoint off after this failure, or null while it keeps trying. */
export function autoDisableReason(e: Pick<StoredEndpoint, 'consecutiveFailures' | 'firstFailureAt'>, now: number): string | null {
  if (e.firstFailureAt === null || e.consecutiveFailures < AUTO_DISABLE_MIN_FAILURES) return null;
  if (now - e.firstFailureAt < AUTO_DISABLE_AFTER_MS) return null;
  return `every attempt failed since ${spokenInstant(e.firstFailureAt)} (${e.consecutiveFailures} in a row)`;
}

/** When Mailroom will switch a failing endpoint off if nothing succeeds (null when it is not failing). */
export function autoDisableAt(e: Pick<StoredEndpoint, 'consecutiveFailures' | 'firstFailureAt' | 'enabled'>): number | null {
  if (!e.enabled || e.firstFailureAt === null || e.consecutiveFailures === 0) return null;
  return e.firstFailureAt + AUTO_DISABLE_AFTER_MS;
}
