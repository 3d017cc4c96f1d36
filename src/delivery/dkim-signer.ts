import type { DkimSigningOptions } from '../core/senders/dkim.service.js';
import { dkimSigningOptions } from '../core/senders/dkim.service.js';
import type { Repositories } from '../core/ports.js';

export type DkimSigner = (fromDomain: string) => Promise<DkimSigningOptions | undefined>;

/**
 * DKIM options per From domain for the SMTP transport, cached briefly so a busy queue does
 * not read and decrypt the key for every message. A new or rotated key applies within `ttlMs`.
 */
export function createDkimSigner(repos: Pick<Repositories, 'dkimKeys' | 'secrets'>, ttlMs = 10_000, now: () => number = Date.now): DkimSigner {
  return cachedSigner((domain) => dkimSigningOptions(repos, domain), ttlMs, now);
}

/** The cache of createDkimSigner around any lookup (the SMTP thread asks the main thread). */
export function cachedSigner(lookup: DkimSigner, ttlMs = 10_000, now: () => number = Date.now): DkimSigner {
  const cache = new Map<string, { at: number; value: Promise<DkimSigningOptions | undefined> }>();
  return (fromDomain) => {
    const domain = fromDomain.toLowerCase();
    const hit = cache.get(domain);
    if (hit && now() - hit.at < ttlMs) return hit.value;
    const value = lookup(domain);
    cache.set(domain, { at: now(), value });
    // A failed lookup is not remembered: the next message tries again.
    value.catch(() => cache.delete(domain));
    return value;
  };
}
