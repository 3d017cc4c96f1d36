import type { Actor } from '../kernel/audit.js';
import { audit, type CoreContext } from '../context.js';
import { ErrorCodes, MailroomError, notFound } from '../kernel/errors.js';
import { doc, onlyKeys, optLabel, str } from '../kernel/validate.js';
import { changesNothing, versionConflict } from '../kernel/versioning.js';
import type { LoginThrottle } from './login-throttle.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { auditFailedLogin } from './sessions.service.js';
import { assertEmailFree, loginEmail, newPassword, publicUser } from './users.service.js';
import type { User } from './users.js';

/** The signed-in user changing their own account: who they are and which session asks. */
export interface Self {
  userId: string;
  tokenHash: string;
  ip: string;
}

/**
 * A user changes their own email, name or password. The current password is required (a
 * session left open on someone's screen must not be enough to take the account over), wrong
 * guesses count against the login throttle and are audited as failed logins, and a new
 * password ends every other session.
 */
export async function updateProfile(ctx: CoreContext, throttle: LoginThrottle, self: Self, input: unknown): Promise<User> {
  const d = doc('profile', input);
  onlyKeys('profile', d, ['email', 'name', 'currentPassword', 'newPassword']);
  const current = str('currentPassword', d.currentPassword, { max: 1000 });
  const email = d.email === undefined ? undefined : loginEmail('email', d.email);
  const name = d.name === undefined ? undefined : optLabel('name', d.name);
  const chosen = d.newPassword === undefined ? undefined : newPassword('newPassword', d.newPassword);
  const me = await ctx.store.repos.users.get(self.userId);
  if (!me) throw notFound('user', self.userId);
  // Counted like a login (before the check, so parallel guesses share the limit); a right password takes its count back.
  const attempt = await throttle.begin(self.ip, me.email);
  if (!(await verifyPassword(current, me.passwordHash))) {
    // Audited as the failed login it counts as: a guess at an open session is seen as one at the door.
    await auditFailedLogin(ctx, me, self.ip);
    throw new MailroomError(ErrorCodes.VALIDATION, 'currentPassword: is not your current password', { field: 'currentPassword' });
  }
  await throttle.succeeded(attempt);
  // Only once the current password is proven: compared before, "it is the password you have
  // now" told anyone at an open session whether a guess was right, without limit.
  if (chosen !== undefined && (await verifyPassword(chosen, me.passwordHash))) {
    throw new MailroomError(ErrorCodes.VALIDATION, 'newPassword: is the password you have now; choose a new one', { field: 'newPassword' });
  }
  const newHash = chosen === undefined ? undefined : await hashPassword(chosen);
  const actor: Actor = { label: `user:${me.email}`, ip: self.ip };
  return ctx.store.transaction(async (repos) => {
    const prev = await repos.users.get(self.userId);
    if (!prev) throw notFound('user', self.userId);
    if (email !== undefined && email !== prev.email) await assertEmailFree(repos.users, email, prev.id);
    const next = {
      ...prev,
      email: email ?? prev.email,
      name: name === undefined ? prev.name : name,
      passwordHash: newHash ?? prev.passwordHash,
      passwordChangeRequired: newHash ? false : prev.passwordChangeRequired,
      updatedAt: ctx.clock.now(),
      version: prev.version + 1,
    };
    // Only the current password given, or the name and email one has: nothing to store or audit,
    // as every other save that changes nothing (a new password is always a change).
    if (!newHash && changesNothing(prev, next)) return publicUser(prev);
    // Read in this transaction: another write between the read and this one (an admin's change) is a conflict, not lost.
    if (!(await repos.users.update(next, prev.version))) throw versionConflict('user', prev.id, prev.version + 1, prev.version);
    // Signed in elsewhere with the old password? Those sessions end; this one stays.
    if (newHash) await repos.sessions.deleteForUserExcept(prev.id, self.tokenHash);
    await audit(repos, ctx, actor, newHash ? 'user.password_change' : 'user.profile_update', { type: 'user', id: prev.id }, publicUser(prev), publicUser(next));
    return publicUser(next);
  });
}
