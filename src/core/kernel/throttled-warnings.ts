/** How often one cause is said again while it lasts. */
export const WARN_AGAIN_AFTER_MS = 60_000;

/**
 * `warn`, at most once per cause (the text) and minute. The background connection's checkpoint
 * failed on every try (every 50 ms) while the disk took no writes: 663 identical warnings in a
 * minute buried everything else on stderr; a flood of retryable 503s (src/http/errors.ts) was an
 * error line per request. The next one after the minute says how many were left out meanwhile.
 * (Here, not beside the SQLite store that first needed it, so that any layer may use it.)
 */
export function throttledWarnings(warn: (message: string) => void, now: () => number = Date.now): (message: string) => void {
  const causes = new Map<string, { at: number; skipped: number }>();
  return (message) => {
    const t = now();
    const seen = causes.get(message);
    if (seen && t - seen.at < WARN_AGAIN_AFTER_MS) {
      seen.skipped++;
      return;
    }
    // Old causes go: a long-running process meets many messages (each with its own details).
    for (const [m, c] of causes) if (t - c.at >= WARN_AGAIN_AFTER_MS) causes.delete(m);
    causes.set(message, { at: t, skipped: 0 });
    warn(seen?.skipped ? `${message} (${seen.skipped} more times in the last minute)` : `${message} (said once a minute while it lasts)`);
  };
}
