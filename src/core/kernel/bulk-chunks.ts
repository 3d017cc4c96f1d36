/**
 * How many items a bulk action (retrying or cancelling messages, replaying webhook deliveries:
 * up to 10,000 per call) changes in one transaction. One transaction per item made each a
 * commit and a few round trips (10,000 messages: 14–23 s on PostgreSQL); the whole call in one
 * would hold SQLite's event loop (its driver answers synchronously, so awaiting it lets no
 * request in) and every concurrent commit until the end. 50 keeps a chunk to a few
 * milliseconds, so an application's message accepted meanwhile waits for one chunk, not for the
 * call (`npm run bench:bulk`, docs/performance.md).
 */
export const BULK_CHUNK = 50;

/** Runs `fn` on consecutive slices of `items`, one after the other; the sum of what each returned. */
export async function sumOverChunks<T>(items: readonly T[], fn: (chunk: T[]) => Promise<number>, size = BULK_CHUNK): Promise<number> {
  let sum = 0;
  for (let i = 0; i < items.length; i += size) sum += await fn(items.slice(i, i + size));
  return sum;
}
