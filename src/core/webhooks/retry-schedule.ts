/**
 * When a failed delivery is tried again: a fixed schedule spread over about three days, each
 * delay moved by up to ±20 % (jitter, so deliveries that failed together do not all come back
 * in the same second), never sooner than the receiver's Retry-After. After the last retry the
 * delivery is `failed` and can be replayed.
 */

/** Delays after the 1st, 2nd … failed attempt, in seconds: 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 3 h, 6 h, 12 h, 24 h, 24 h. */
export const RETRY_DELAYS_SEC = [5, 30, 120, 600, 1_800, 3_600, 10_800, 21_600, 43_200, 86_400, 86_400] as const;
/** Attempts in all: the first one and one per retry (the last ~2.9 days after the first). */
export const MAX_ATTEMPTS = RETRY_DELAYS_SEC.length + 1;
/** Each delay is multiplied by a random factor in [1 − JITTER, 1 + JITTER]. */
export const JITTER = 0.2;
/** A Retry-After further away than this is taken as this (a receiver cannot park a delivery for weeks). */
export const RETRY_AFTER_MAX_SEC = 86_400;

/**
 * Milliseconds until the next attempt after `attemptsMade` attempts all failed, or null when
 * the schedule is over. `random` is in [0, 1); `retryAfterMs` is the receiver's wish.
 */
export function retryDelayMs(attemptsMade: number, random: () => number, retryAfterMs?: number): number | null {
  if (attemptsMade >= MAX_ATTEMPTS) return null;
  const base = RETRY_DELAYS_SEC[Math.max(0, attemptsMade - 1)] * 1000;
  const jittered = base * (1 - JITTER + 2 * JITTER * random());
  return Math.round(Math.max(jittered, retryAfterMs ?? 0));
}

/**
 * A Retry-After header (RFC 9110 §10.2.3): delay-seconds or an HTTP-date, as milliseconds from
 * `now`, capped at RETRY_AFTER_MAX_SEC. Undefined when absent, malformed or already past.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  let ms: number;
  if (/^\d+$/.test(v)) ms = Number(v) * 1000;
  else {
    const t = Date.parse(v);
    if (!Number.isFinite(t)) return undefined;
    ms = t - now;
  }
  if (!(ms > 0)) return undefined;
  return Math.min(ms, RETRY_AFTER_MAX_SEC * 1000);
}
