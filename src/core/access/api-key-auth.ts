import type { CoreContext } from '../context.js';
import { ErrorCodes, MailroomError } from '../kernel/errors.js';
import type { ApiKeyCache } from './api-key-cache.js';
import { apiKeyPermissions, apiKeyState, hashApiKey } from './api-keys.js';
import type { Principal } from './auth.js';

/** Recording every use would add a write per request; a minute's precision is enough. */
const TOUCH_EVERY_MS = 60_000;

/**
 * The principal of a bearer key, or undefined for an unknown or revoked key (401
 * UNAUTHENTICATED). An expired key, or one whose creator is disabled or deleted, is refused
 * with its own code, so whoever runs the application knows what to fix. See api-keys.ts for
 * the rules; the cache remembers only keys that work, until their expiry at the latest.
 */
export async function apiKeyPrincipal(ctx: CoreContext, cache: ApiKeyCache, key: string): Promise<Principal | undefined> {
  const hash = hashApiKey(key);
  const now = ctx.clock.now();
  const hit = cache.get(hash);
  if (hit) {
    if (!hit.lastUsedAt || now - hit.lastUsedAt > TOUCH_EVERY_MS) {
      hit.lastUsedAt = now;
      await ctx.store.repos.apiKeys.touch(hit.principal.id, now);
    }
    return hit.principal;
  }
  const generation = cache.begin();
  const record = await ctx.store.repos.apiKeys.findByHash(hash);
  if (!record) return undefined;
  const state = apiKeyState(record, now);
  if (state === 'revoked') return undefined;
  if (state === 'expired') {
    throw new MailroomError(ErrorCodes.API_KEY_EXPIRED, `the API key "${record.name}" expired at ${new Date(record.expiresAt!).toISOString()}; ask an admin for a new key`, { expiresAt: new Date(record.expiresAt!).toISOString() });
  }
  if (state === 'creator_disabled' || state === 'creator_deleted') {
    const why = state === 'creator_disabled' ? 'is disabled (the key works again once they are enabled)' : 'was deleted';
    throw new MailroomError(ErrorCodes.API_KEY_CREATOR_INACTIVE, `the API key "${record.name}" does not work: the user who created it ${why}; ask an admin for a new key`);
  }
  let lastUsedAt = record.lastUsedAt;
  if (!lastUsedAt || now - lastUsedAt > TOUCH_EVERY_MS) {
    await ctx.store.repos.apiKeys.touch(record.id, now);
    lastUsedAt = now;
  }
  const { permissions, allowOverride, limitedBy } = apiKeyPermissions(record);
  const principal: Principal = {
    kind: 'apikey',
    id: record.id,
    label: `apikey:${record.name} (${record.id})`,
    permissions,
    // The key's own setting holds only while its creator may choose the account themself.
    allowOverride,
    creatorId: record.createdBy,
    ...(limitedBy ? { limitedBy } : {}),
  };
  cache.set(generation, hash, principal, lastUsedAt, record.expiresAt);
  return principal;
}
