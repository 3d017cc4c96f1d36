import type { CoreContext } from '../context.js';
import { apiKeyPermissions, apiKeyState } from './api-keys.js';
import { ROLE_PERMISSIONS, type Permission, type Principal } from './auth.js';

/** Who did something, by identity only: enough to ask again later what they may do now. */
export type PrincipalRef = Pick<Principal, 'kind' | 'id'>;

export function principalRef(p: Principal): PrincipalRef {
  return { kind: p.kind, id: p.id };
}

/**
 * Whether a principal still holds a permission, asked afresh of the store: for something
 * started by a request and finished later without one (an OAuth2 sign-in comes back up to ten
 * minutes after Connect was pressed, in a browser that may carry no session). A user disabled,
 * deleted or given a lesser role meanwhile, or a key revoked, expired or outgrown by its
 * creator's new role, no longer does; the CLI always does, an SMTP credential never.
 */
export async function stillPermitted(ctx: CoreContext, who: PrincipalRef, permission: Permission): Promise<boolean> {
  switch (who.kind) {
    case 'cli':
      return true;
    case 'user': {
      const user = await ctx.store.repos.users.get(who.id);
      return !!user && !user.disabled && ROLE_PERMISSIONS[user.role].includes(permission);
    }
    case 'apikey': {
      const key = await ctx.store.repos.apiKeys.get(who.id);
      return !!key && apiKeyState(key, ctx.clock.now()) === 'active' && apiKeyPermissions(key).permissions.has(permission);
    }
    default:
      return false;
  }
}
