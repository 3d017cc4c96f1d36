import type { Repositories } from '../core/ports.js';

/**
 * Configuration (servers, accounts, settings, purposes, DKIM keys, templates, layouts) is read for every message
 * (routing, the sending account, rate limits, signing) and written rarely. Reads outside a
 * transaction are served from memory; any write through this store empties the cache at
 * once and again when its transaction ends, so a change is seen by the next message. A
 * change made by ANOTHER process (PostgreSQL scale-out) is seen within `ttlMs`.
 *
 * Reads inside a transaction always go to the database (they must see the transaction).
 */
const READS: Record<string, readonly string[]> = {
  servers: ['list', 'get', 'findByName'],
  accounts: ['list', 'get', 'countByServer'],
  settings: ['get', 'all'],
  purposes: ['list', 'get'],
  dkimKeys: ['list', 'get'],
  // Read for every templated message; a saved change is seen by the next one.
  templates: ['list', 'get'],
  layouts: ['list', 'get'],
  // Read for every relay session and message; written by admins.
  smtpCredentials: ['list', 'get', 'findByUsername'],
  // Read for every event; written by admins.
  rules: ['list', 'get'],
  // Read when a pool is built or its password re-checked; written by admins.
  secretProviders: ['list', 'get'],
  namedSecrets: ['list', 'get'],
};

type AnyRepo = Record<string, unknown>;
type Fn = (...args: unknown[]) => Promise<unknown>;

export class ConfigCache {
  private generation = 0;
  private entries = new Map<string, { gen: number; at: number; value: Promise<unknown> }>();

  constructor(private readonly ttlMs = 1_000) {}

  invalidate(): void {
    this.generation++;
    this.entries.clear();
  }

  private memo(key: string, load: () => Promise<unknown>): Promise<unknown> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.gen === this.generation && now - hit.at < this.ttlMs) return hit.value;
    const gen = this.generation;
    const value = load();
    this.entries.set(key, { gen, at: now, value });
    value.catch(() => this.entries.delete(key));
    return value;
  }

  /**
   * Wraps repositories: config reads memoised when `cacheReads`, config writes invalidating
   * (and reported through `onWrite`, so a transaction can invalidate again when it ends).
   */
  wrap(repos: Repositories, opts: { cacheReads: boolean; onWrite?: () => void }): Repositories {
    const out = { ...repos } as unknown as Record<string, AnyRepo>;
    for (const [name, reads] of Object.entries(READS)) {
      const repo = out[name];
      if (!repo) continue;
      const wrapped: AnyRepo = {};
      for (const [method, fn] of Object.entries(repo)) {
        if (typeof fn !== 'function') {
          wrapped[method] = fn;
          continue;
        }
        const call = (fn as Fn).bind(repo);
        if (reads.includes(method)) {
          wrapped[method] = opts.cacheReads
            ? (...args: unknown[]) =>
                this.memo(`${name}.${method}:${JSON.stringify(args)}`, call.bind(null, ...args)).then((v) => (Array.isArray(v) ? [...v] : v))
            : call;
        } else {
          wrapped[method] = async (...args: unknown[]) => {
            this.invalidate();
            opts.onWrite?.();
            try {
              return await call(...args);
            } finally {
              this.invalidate();
            }
          };
        }
      }
      out[name] = wrapped;
    }
    return out as unknown as Repositories;
  }
}
