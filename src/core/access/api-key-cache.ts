import type { Principal } from './auth.js';

/**
 * Every API request names its key; looking it up costs a query (~100 µs on SQLite, a round
 * trip on PostgreSQL). Recently seen keys are remembered, by hash, for `ttlMs`.
 *
 * Revoking a key, or changing or deleting a user (their keys answer to them), in this
 * process empties the cache at once, and a lookup that started before does not put its
 * (stale) answer back. An entry never outlives its key's expiry. Another process (PostgreSQL
 * scale-out) may honour such a key until its entry expires: docs/operations.md says so.
 * Unknown and revoked keys are never cached, so guessing cannot fill it.
 */
export const API_KEY_CACHE_TTL_MS = 5_000;
const MAX_ENTRIES = 1_000;

interface Entry {
  principal: Principal;
  /** When the key was last recorded as used (the store keeps a minute's precision). */
  lastUsedAt: number | null;
  until: number;
}

export class ApiKeyCache {
  private entries = new Map<string, Entry>();
  private generation = 0;

  /** `now` is the app's clock: entries expire on the same time the rest of Mailroom reads. */
  constructor(
    private readonly now: () => number,
    private readonly ttlMs = API_KEY_CACHE_TTL_MS,
  ) {}

  get(hash: string): Entry | undefined {
    const e = this.entries.get(hash);
    if (!e) return undefined;
    if (this.now() >= e.until) {
      this.entries.delete(hash);
      return undefined;
    }
    return e;
  }

  /** The generation to hand back to `set`: a revocation in between makes that `set` a no-op. */
  begin(): number {
    return this.generation;
  }

  /** `expiresAt`: the key's own expiry; the entry never outlives it. */
  set(generation: number, hash: string, principal: Principal, lastUsedAt: number | null, expiresAt: number | null = null): void {
    if (generation !== this.generation) return;
    // Map order is insertion order: the first key is the oldest entry.
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(hash, { principal, lastUsedAt, until: Math.min(this.now() + this.ttlMs, expiresAt ?? Infinity) });
  }

  invalidate(): void {
    this.generation++;
    this.entries.clear();
  }
}
