import { SYSTEM_ACTOR } from '../kernel/audit.js';
import type { CoreContext } from '../context.js';
import { generatePassword } from './passwords.js';
import { createUser } from './users.service.js';

export const DEFAULT_ADMIN_EMAIL = 'admin@mailroom.local';

/**
 * Creates the first admin when no user exists: from MAILROOM_ADMIN_EMAIL/PASSWORD, or with a
 * generated password that is returned once so the CLI can print it. Never runs again.
 */
export async function ensureFirstAdmin(
  ctx: CoreContext,
  admin: { email?: string; password?: string },
): Promise<{ email: string; generatedPassword?: string } | undefined> {
  if ((await ctx.store.repos.users.count()) > 0) return undefined;
  const email = admin.email ?? DEFAULT_ADMIN_EMAIL;
  const password = admin.password ?? generatePassword();
  // A generated password was printed once on a terminal: its user is asked to choose their own.
  try {
    await createUser(ctx, SYSTEM_ACTOR, { email, password, role: 'admin', name: 'Administrator' }, { passwordChangeRequired: !admin.password });
  } catch (err) {
    // Another process starting on the same fresh store made the first user meanwhile: it is
    // the one that prints the password, and this start goes on as any later one.
    if ((await ctx.store.repos.users.count()) > 0) return undefined;
    throw err;
  }
  return { email, ...(admin.password ? {} : { generatedPassword: password }) };
}

/**
 * Users exist, yet none is an enabled admin: nobody can change servers, accounts or users
 * (the first user created with `mailroom user create` defaults to viewer). Said at start.
 */
export async function noActiveAdmin(ctx: CoreContext): Promise<boolean> {
  const users = await ctx.store.repos.users.list();
  return users.length > 0 && !users.some((u) => u.role === 'admin' && !u.disabled);
}
