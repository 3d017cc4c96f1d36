import { createHash } from 'node:crypto';
import { ROLE_PERMISSIONS, permissionsForScopes, type ApiKey, type ApiKeyCreator, type ApiKeyState, type Permission } from './auth.js';
import type { StoredApiKey } from './ports.js';

/**
 * The life of an API key. A key answers to the user who made it (a key made with another key
 * answers to that key's user; one made by the CLI answers to nobody):
 * - it works only while that user is enabled: disabling them suspends their keys, enabling
 *   them brings the keys back, deleting them ends the keys for good;
 * - it never does more than that user's role allows now (a demoted admin's admin key can
 *   only do what the new role can);
 * - it may expire; revoked, it never works again.
 * docs/security.md ("API keys and their creators") says the same for people.
 */
export const API_KEY_PREFIX = 'mrk_';

export function hashApiKey(key: string): string {
  // Keys carry 256 random bits, so a fast hash is enough (no password stretching needed).
  return createHash('sha256').update(key).digest('hex');
}

export function apiKeyCreator(k: StoredApiKey): ApiKeyCreator | null {
  if (k.createdBy === null) return null;
  const u = k.creatorUser;
  if (!u) return { id: k.createdBy, email: k.createdByLabel, role: null, status: 'deleted' };
  return { id: k.createdBy, email: u.email, role: u.role, status: u.disabled ? 'disabled' : 'active' };
}

/** Revocation first (it is for good), then expiry, then the creator. */
export function apiKeyState(k: StoredApiKey, now: number): ApiKeyState {
  if (k.revokedAt !== null) return 'revoked';
  if (k.expiresAt !== null && k.expiresAt <= now) return 'expired';
  const creator = apiKeyCreator(k);
  if (creator?.status === 'deleted') return 'creator_deleted';
  if (creator?.status === 'disabled') return 'creator_disabled';
  return 'active';
}

/**
 * What a key may do: its scopes, within what its creator's role allows now; and whether it may
 * choose the sending account or server (`allowOverride`), which among people only an admin may,
 * so only while its creator is one. A key of the CLI (no creator) keeps both as made.
 * `limitedBy` says why it does less than it was made for, for the 403 and the key list.
 */
export function apiKeyPermissions(k: StoredApiKey): { permissions: Set<Permission>; allowOverride: boolean; limitedBy?: string } {
  const scoped = permissionsForScopes(k.scopes);
  const role = k.creatorUser?.role;
  if (!role) return { permissions: scoped, allowOverride: k.allowOverride };
  const allowed = new Set(ROLE_PERMISSIONS[role]);
  const permissions = new Set([...scoped].filter((p) => allowed.has(p)));
  const allowOverride = k.allowOverride && role === 'admin';
  const narrowed = permissions.size < scoped.size;
  const overrideHeld = k.allowOverride && !allowOverride;
  if (!narrowed && !overrideHeld) return { permissions, allowOverride };
  const choosing = 'choose the sending account or server while they are not an admin';
  const less = !overrideHeld ? '' : narrowed ? ` (nor does it ${choosing})` : `: it does not ${choosing}`;
  return { permissions, allowOverride, limitedBy: `its creator is now ${role === 'operator' ? 'an' : 'a'} ${role}, and a key never does more than the user who made it may${less}` };
}

export function publicApiKey(k: StoredApiKey, now: number): ApiKey {
  const { keyHash: _hidden, createdByLabel: _label, creatorUser: _user, ...rest } = k;
  return { ...rest, creator: apiKeyCreator(k), state: apiKeyState(k, now), limitedBy: apiKeyPermissions(k).limitedBy ?? null };
}
