/**
 * How calls that are safe to repeat are retried when Mailroom says "not now" (429, 503) or "that
 * did not arrive in time" (408). `undefined` is "left out" (the default), so that a value read
 * from an unset variable compiles under exactOptionalPropertyTypes.
 */
export interface RetryOptions {
  /** Tries in all, the first included (default 3; 1 turns retrying off). */
  attempts?: number | undefined;
  /** Wait before the second try when the answer has no Retry-After; doubles each time (default 500 ms). */
  baseDelayMs?: number | undefined;
  /** A Retry-After longer than this is not waited for: the error is thrown at once (default 30 s). */
  maxDelayMs?: number | undefined;
}

// 408: the request did not reach Mailroom in full in time (a stalled network): nothing was done.
const RETRYABLE = new Set([408, 429, 503]);

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The options as the retries use them, refused when they cannot work: with `attempts: NaN` (an
 * unset variable through Number()) no try was ever the last, so a call to a server that was
 * down was repeated forever; a delay of Infinity became setTimeout(Infinity), which Node runs
 * after 1 ms, so such a call was repeated as fast as it failed.
 */
/** Node's longest timer (about 24.8 days): a longer one fires after 1 ms instead. */
export const LONGEST_TIMER_MS = 2 ** 31 - 1;

function retrySettings(options: RetryOptions): { attempts: number; baseDelay: number; maxDelay: number } {
  const attempts = options.attempts ?? 3;
  const baseDelay = options.baseDelayMs ?? 500;
  const maxDelay = options.maxDelayMs ?? 30_000;
  if (typeof attempts !== 'number' || !Number.isInteger(attempts) || attempts < 1) throw new TypeError(`Mailroom: retry.attempts must be a whole number, 1 or more (got ${String(attempts)}): 1 turns retrying off, as retry: false does`);
  for (const [name, ms] of [['baseDelayMs', baseDelay], ['maxDelayMs', maxDelay]] as const) {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > LONGEST_TIMER_MS) {
      throw new TypeError(`Mailroom: retry.${name} must be a finite number of milliseconds, from 0 to ${LONGEST_TIMER_MS} (Node's longest timer, about 24.8 days) (got ${String(ms)})`);
    }
  }
  return { attempts, baseDelay, maxDelay };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A fetch that repeats a request answered 408, 429 or 503, waiting as Retry-After says (else a
 * doubling delay), and one whose answer was lost (a network error), after the doubling delay.
 * Only for safe calls: reads, and sends that carry an idempotency key (the server answers a
 * repeated key with the first message, so nothing is sent twice).
 */
export function retryingFetch(base: (request: Request) => Promise<Response>, options: RetryOptions = {}, wait: (ms: number) => Promise<void> = sleep): (request: Request) => Promise<Response> {
  const { attempts, baseDelay, maxDelay } = retrySettings(options);
  return async (request) => {
    for (let attempt = 1; ; attempt++) {
      // A Request's body can be read once: each try sends a copy.
      let response: Response;
      try {
        response = await base(attempt < attempts ? request.clone() : request);
      } catch (err) {
        // The answer was lost (connection refused, reset or closed: fetch's TypeError): the
        // server may have done it, and the same request (the same key) gets the first answer.
        // An aborted request is the caller's wish, and the last try's error is thrown as it is.
        if (!(err instanceof TypeError) || request.signal.aborted || attempt >= attempts) throw err;
        // Capped as a Retry-After is: many tries would otherwise double past Node's longest timer.
        await wait(Math.min(baseDelay * 2 ** (attempt - 1), maxDelay));
        continue;
      }
      if (!RETRYABLE.has(response.status) || attempt >= attempts) return response;
      const delay = retryAfterMs(response.headers.get('retry-after')) ?? baseDelay * 2 ** (attempt - 1);
      if (delay > maxDelay) return response;
      await response.body?.cancel();
      await wait(delay);
    }
  };
}
