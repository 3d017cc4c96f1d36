import { createHash, randomBytes } from 'node:crypto';
import type { Actor } from '../kernel/audit.js';
import type { ApiKeyCache } from './api-key-cache.js';
import { SCOPES, type ApiKey, type Scope } from './auth.js';
import { audit, type CoreContext } from '../context.js';
import { ErrorCodes, MailroomError, notFound } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import type { ApiKeyRecord } from './ports.js';
import { arr, bool, doc, oneOf, onlyKeys, str } from '../kernel/validate.js';

export const API_KEY_PREFIX = 'mrk_';

export function hashApiKey(key: string): string {
  // Keys carry 256 random bits, so a fast hash is enough (no password stretching needed).
  return createHash('sha256').update(key).digest('hex');
}

export function publicApiKey(k: ApiKeyRecord): ApiKey {
  const { keyHash: _hidden, ...rest } = k;
  return rest;
}

export async function listApiKeys(ctx: CoreContext): Promise<ApiKey[]> {
  return (await ctx.store.repos.apiKeys.list()).map(publicApiKey);
}

/** Creates a key; the returned `key` is the only time it is ever shown. */
export async function createApiKey(ctx: CoreContext, actor: Actor, input: unknown, createdBy: string | null): Promise<{ apiKey: ApiKey; key: string }> {
  const d = doc('apiKey', input);
  onlyKeys('apiKey', d, ['name', 'scopes', 'allowOverride']);
  const name = str('name', d.name, { max: 200 }).trim();
  const scopes = [...new Set(arr('scopes', d.scopes, 3).map((s, i) => oneOf(`scopes[${i}]`, s, SCOPES)))] as Scope[];
  if (!scopes.length) throw new MailroomError(ErrorCodes.VALIDATION, `scopes: give at least one of ${SCOPES.join(', ')}`, { field: 'scopes' });
  const allowOverride = d.allowOverride === undefined ? false : bool('allowOverride', d.allowOverride);
  const secret = randomBytes(32).toString('base64url');
  const key = `${API_KEY_PREFIX}${secret}`;
  const record: ApiKeyRecord = {
    id: newId('key'),
    name,
    prefix: key.slice(0, API_KEY_PREFIX.length + 6),
    keyHash: hashApiKey(key),
    scopes,
    allowOverride,
    createdBy,
    createdAt: ctx.clock.now(),
    lastUsedAt: null,
    revokedAt: null,
  };
  await ctx.store.transaction(async (repos) => {
    await repos.apiKeys.insert(record);
    await audit(repos, ctx, actor, 'apikey.create', { type: 'apikey', id: record.id }, undefined, publicApiKey(record));
  });
  return { apiKey: publicApiKey(record), key };
}

export async function revokeApiKey(ctx: CoreContext, cache: ApiKeyCache, actor: Actor, id: string): Promise<void> {
  await ctx.store.transaction(async (repos) => {
    const prev = await repos.apiKeys.get(id);
    if (!prev) throw notFound('API key', id);
    if (prev.revokedAt) return;
    await repos.apiKeys.revoke(id, ctx.clock.now());
    await audit(repos, ctx, actor, 'apikey.revoke', { type: 'apikey', id }, publicApiKey(prev), undefined);
  });
  // After the commit: a lookup racing with the revocation cannot cache the key again.
  cache.invalidate();
}
