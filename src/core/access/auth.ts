import { ErrorCodes, MailroomError } from '../kernel/errors.js';
import type { Role } from './users.js';

export const SCOPES = ['send', 'read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * What a caller may do. Operators also retry and cancel messages ("operate"), which is
 * not a scope an API key can hold on its own.
 */
export type Permission = Scope | 'operate';

/**
 * Whether a key opens the door now, and if not why: revoked (for good), expired, or its
 * creator is disabled (until they are enabled again) or deleted (for good).
 */
export const API_KEY_STATES = ['active', 'revoked', 'expired', 'creator_disabled', 'creator_deleted'] as const;
export type ApiKeyState = (typeof API_KEY_STATES)[number];

/** The user a key answers to, as they are now. */
export interface ApiKeyCreator {
  id: string;
  /** Their email; for a deleted user, the one they had when they made the key. */
  email: string | null;
  /** Their role now (null once deleted): the key never does more than this role may. */
  role: Role | null;
  status: 'active' | 'disabled' | 'deleted';
}

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  /** May choose the sending account or server per message (e.g. a report with its own account). */
  allowOverride: boolean;
  /** The user the key answers to; null for keys made by the CLI (or by a key the CLI made). */
  createdBy: string | null;
  creator: ApiKeyCreator | null;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
  expiresAt: number | null;
  state: ApiKeyState;
  /**
   * Why the key does less than its `scopes` and `allowOverride` say, because of its creator's
   * role now (an admin made operator: no admin scope, no choosing the sending account); null
   * when it does all of it.
   */
  limitedBy: string | null;
}

/** Who is calling, after authentication. */
export interface Principal {
  /** smtp: an SMTP relay credential (core/relay). */
  kind: 'user' | 'apikey' | 'cli' | 'smtp';
  id: string;
  label: string;
  role?: Role;
  permissions: ReadonlySet<Permission>;
  allowOverride: boolean;
  /** An API key's creator (the user it answers to); null for the CLI's keys. */
  creatorId?: string | null;
  /** Why the permissions are narrower than the key's scopes, for the 403 message. */
  limitedBy?: string;
  /**
   * Who chose the sending account when the request did not (a rule, a setting, an SMTP
   * credential that pins one), as the message's routing reason names it: `rule "Alerts"`.
   */
  accountChosenBy?: string;
}

export const ROLE_PERMISSIONS: Record<Role, Permission[]> = {
  viewer: ['read'],
  operator: ['send', 'read', 'operate'],
  admin: ['send', 'read', 'operate', 'admin'],
};

export function permissionsForScopes(scopes: readonly Scope[]): Set<Permission> {
  const set = new Set<Permission>(scopes);
  // An admin key can do everything a person with the admin role can.
  if (set.has('admin')) for (const p of ROLE_PERMISSIONS.admin) set.add(p);
  return set;
}

/** The scope that gives an API key a permission: "operate" is no scope of its own, an admin key has it. */
function scopeFor(permission: Permission): Scope {
  return permission === 'operate' ? 'admin' : permission;
}

export function requirePermission(principal: Principal, permission: Permission): void {
  if (!principal.permissions.has(permission)) {
    // A key is told the scope to create it with (one it can have), a person the permission their role lacks.
    const needs = principal.kind === 'apikey' ? `the "${scopeFor(permission)}" scope` : `the "${permission}" permission`;
    throw new MailroomError(
      ErrorCodes.FORBIDDEN,
      `${principal.label} may not do this: it needs ${needs}${principal.limitedBy ? ` (${principal.limitedBy})` : ''}`,
      principal.kind === 'apikey' ? { needs: permission, scope: scopeFor(permission) } : { needs: permission },
    );
  }
}

export const CLI_PRINCIPAL: Principal = {
  kind: 'cli',
  id: 'cli',
  label: 'cli',
  permissions: new Set<Permission>(['send', 'read', 'operate', 'admin']),
  allowOverride: true,
};
