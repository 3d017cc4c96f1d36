import { ErrorCodes, MailroomError } from '../kernel/errors.js';
import type { Role } from './users.js';

export const SCOPES = ['send', 'read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * What a caller may do. Operators also retry and cancel messages ("operate"), which is
 * not a scope an API key can hold on its own.
 */
export type Permission = Scope | 'operate';

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  /** May choose the sending account or server per message (e.g. a report with its own account). */
  allowOverride: boolean;
  createdBy: string | null;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
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

export function requirePermission(principal: Principal, permission: Permission): void {
  if (!principal.permissions.has(permission)) {
    throw new MailroomError(
      ErrorCodes.FORBIDDEN,
      `${principal.label} may not do this: it needs the "${permission}" ${principal.kind === 'apikey' ? 'scope' : 'permission'}`,
      { needs: permission },
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
