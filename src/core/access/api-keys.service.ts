import { randomBytes } from 'node:crypto';
import type { Actor } from '../kernel/audit.js';
import type { ApiKeyCache } from './api-key-cache.js';
import { API_KEY_PREFIX, apiKeyState, hashApiKey, publicApiKey } from './api-keys.js';
import { SCOPES, type ApiKey, type Principal, type Scope } from './auth.js';
import { audit, type CoreContext } from '../context.js';
import { ErrorCodes, MailroomError, invalid, notFound } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import type { ApiKeyRecord } from './ports.js';
import { arr, bool, doc, instant, label, oneOf, onlyKeys } from '../kernel/validate.js';

const DAY_MS = 86_400_000;
/** Entries a key's `scopes` list may have, repeats included (there are three scopes). */
export const MAX_SCOPE_ENTRIES = 16;
/** The longest "not used for N days" the list filter takes (ten years). */
export const MAX_UNUSED_DAYS = 3650;

/**
 * `unused`: "never" (keys never used) or a number of days N (never used, or last used more
 * than N days ago). Either way only keys that may still open the door: revoked and expired
 * keys and those of deleted users are left out (a key whose creator is disabled is listed:
 * enabling them revives it).
 */
export interface ApiKeyQuery {
  unused?: 'never' | number;
}

export function parseApiKeyQuery(input: unknown): ApiKeyQuery {
  const d = doc('query', input ?? {});
  onlyKeys('query', d, ['unused']);
  if (d.unused === undefined) return {};
  const v = String(d.unused);
  if (v === 'never') return { unused: 'never' };
  const days = /^[0-9]{1,4}$/.test(v) ? Number(v) : NaN;
  if (!(days >= 1 && days <= MAX_UNUSED_DAYS)) throw invalid('unused', `must be "never" or a number of days from 1 to ${MAX_UNUSED_DAYS} (e.g. 90), got "${v}"`);
  return { unused: days };
}

export async function listApiKeys(ctx: CoreContext, query: ApiKeyQuery = {}): Promise<ApiKey[]> {
  const now = ctx.clock.now();
  let keys = await ctx.store.repos.apiKeys.list();
  const { unused } = query;
  if (unused !== undefined) {
    keys = keys.filter((k) => {
      const state = apiKeyState(k, now);
      if (state === 'revoked' || state === 'expired' || state === 'creator_deleted') return false;
      if (unused === 'never') return k.lastUsedAt === null;
      return k.lastUsedAt === null || k.lastUsedAt < now - unused * DAY_MS;
    });
  }
  return keys.map((k) => publicApiKey(k, now));
}

/** The user a new key answers to: the user making it, or the user behind the key making it (none for the CLI). */
export function keyCreatorOf(principal: Principal): string | null {
  if (principal.kind === 'user') return principal.id;
  if (principal.kind === 'apikey') return principal.creatorId ?? null;
  return null;
}

/** Creates a key; the returned `key` is the only time it is ever shown. */
export async function createApiKey(ctx: CoreContext, actor: Actor, input: unknown, createdBy: string | null): Promise<{ apiKey: ApiKey; key: string }> {
  const d = doc('apiKey', input);
  onlyKeys('apiKey', d, ['name', 'scopes', 'allowOverride', 'expiresAt']);
  const name = label('name', d.name);
  // A set: a scope named twice counts once, however many entries the list has (up to a bound).
  const scopes = [...new Set(arr('scopes', d.scopes, MAX_SCOPE_ENTRIES).map((s, i) => oneOf(`scopes[${i}]`, s, SCOPES)))] as Scope[];
  if (!scopes.length) throw new MailroomError(ErrorCodes.VALIDATION, `scopes: give at least one of ${SCOPES.join(', ')}`, { field: 'scopes' });
  const allowOverride = d.allowOverride === undefined ? false : bool('allowOverride', d.allowOverride);
  const now = ctx.clock.now();
  const expiresAt = instant('expiresAt', d.expiresAt) ?? null;
  if (expiresAt !== null && expiresAt <= now) throw invalid('expiresAt', `must lie in the future (it is now ${new Date(now).toISOString()})`);
  const secret = randomBytes(32).toString('base64url');
  const key = `${API_KEY_PREFIX}${secret}`;
  return ctx.store.transaction(async (repos) => {
    const creator = createdBy === null ? undefined : await repos.users.get(createdBy);
    const record: ApiKeyRecord = {
      id: newId('key'),
      name,
      prefix: key.slice(0, API_KEY_PREFIX.length + 6),
      keyHash: hashApiKey(key),
      scopes,
      allowOverride,
      createdBy,
      createdByLabel: creator?.email ?? null,
      createdAt: now,
      lastUsedAt: null,
      revokedAt: null,
      expiresAt,
    };
    await repos.apiKeys.insert(record);
    const apiKey = publicApiKey({ ...record, creatorUser: creator }, now);
    await audit(repos, ctx, actor, 'apikey.create', { type: 'apikey', id: record.id }, undefined, apiKey);
    return { apiKey, key };
  });
}

export async function revokeApiKey(ctx: CoreContext, cache: ApiKeyCache, actor: Actor, id: string): Promise<void> {
  await ctx.store.transaction(async (repos) => {
    const prev = await repos.apiKeys.get(id);
    if (!prev) throw notFound('API key', id);
    if (prev.revokedAt) return;
    const now = ctx.clock.now();
    await repos.apiKeys.revoke(id, now);
    // The key is kept, revoked, for its history: `after` shows it so, as the list does.
    await audit(repos, ctx, actor, 'apikey.revoke', { type: 'apikey', id }, publicApiKey(prev, now), publicApiKey({ ...prev, revokedAt: now }, now));
  });
  // After the commit: a lookup racing with the revocation cannot cache the key again.
  cache.invalidate();
}
