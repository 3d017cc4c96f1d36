import type { Actor } from '../kernel/audit.js';
import type { ApiKeyCache } from './api-key-cache.js';
import { audit, type CoreContext } from '../context.js';
import { ErrorCodes, MailroomError, notFound } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import { hashPassword } from './passwords.js';
import type { UserRecord } from './ports.js';
import { parseMailbox } from '../kernel/addresses.js';
import { ROLES, type User } from './users.js';
import { bool, doc, oneOf, onlyKeys, optStr, str } from '../kernel/validate.js';

export const MIN_PASSWORD_LENGTH = 10;

export function publicUser(u: UserRecord): User {
  const { passwordHash: _hidden, ...rest } = u;
  return rest;
}

function password(v: unknown): string {
  const p = str('password', v, { max: 1000 });
  if (p.length < MIN_PASSWORD_LENGTH) throw new MailroomError(ErrorCodes.VALIDATION, `password: must be at least ${MIN_PASSWORD_LENGTH} characters`, { field: 'password' });
  return p;
}

export async function listUsers(ctx: CoreContext): Promise<User[]> {
  return (await ctx.store.repos.users.list()).map(publicUser);
}

export async function createUser(ctx: CoreContext, actor: Actor, input: unknown, opts: { passwordChangeRequired?: boolean } = {}): Promise<User> {
  const d = doc('user', input);
  onlyKeys('user', d, ['email', 'name', 'role', 'password']);
  const email = parseMailbox('email', str('email', d.email, { max: 320 })).address.toLowerCase();
  const role = oneOf('role', d.role ?? 'viewer', ROLES);
  const name = optStr('name', d.name, { max: 200 }) ?? null;
  const passwordHash = await hashPassword(password(d.password));
  return ctx.store.transaction(async (repos) => {
    if (await repos.users.findByEmail(email)) throw new MailroomError(ErrorCodes.DUPLICATE, `a user with email ${email} already exists`, { field: 'email' });
    const now = ctx.clock.now();
    const user: UserRecord = { id: newId('usr'), email, name, role, disabled: false, passwordHash, passwordChangeRequired: opts.passwordChangeRequired ?? false, createdAt: now, updatedAt: now, version: 1 };
    await repos.users.insert(user);
    await audit(repos, ctx, actor, 'user.create', { type: 'user', id: user.id }, undefined, publicUser(user));
    return publicUser(user);
  });
}

/**
 * An admin's change to a user. A password set here is one the user did not choose, so the UI
 * asks them to change it (unless `passwordChosenByUser`: the CLI's reset, typed by the operator).
 * `keys`: this process's API key cache. A user's keys answer to them (api-keys.ts): once their
 * role, status or existence changes, no key of theirs may be honoured from the cache.
 */
export async function updateUser(ctx: CoreContext, keys: ApiKeyCache, actor: Actor, id: string, input: unknown, opts: { passwordChosenByUser?: boolean } = {}): Promise<User> {
  const d = doc('user', input);
  onlyKeys('user', d, ['name', 'role', 'password', 'disabled']);
  const newHash = d.password === undefined ? undefined : await hashPassword(password(d.password));
  const updated = await ctx.store.transaction(async (repos) => {
    const prev = await repos.users.get(id);
    if (!prev) throw notFound('user', id);
    const next: UserRecord = {
      ...prev,
      name: d.name === undefined ? prev.name : (optStr('name', d.name, { max: 200 }) ?? null),
      role: d.role === undefined ? prev.role : oneOf('role', d.role, ROLES),
      disabled: d.disabled === undefined ? prev.disabled : bool('disabled', d.disabled),
      passwordHash: newHash ?? prev.passwordHash,
      passwordChangeRequired: newHash ? !opts.passwordChosenByUser : prev.passwordChangeRequired,
      updatedAt: ctx.clock.now(),
      version: prev.version + 1,
    };
    const losesAdmin = prev.role === 'admin' && !prev.disabled && (next.role !== 'admin' || next.disabled);
    if (losesAdmin && (await repos.users.countAdmins()) <= 1) {
      throw new MailroomError(ErrorCodes.INVALID_STATE, 'this is the last active admin; make another user admin first');
    }
    await repos.users.update(next);
    // A new password or a disabled account ends every open session of that user.
    if (newHash || next.disabled) await repos.sessions.deleteForUser(id);
    await audit(repos, ctx, actor, newHash ? 'user.password_reset' : 'user.update', { type: 'user', id }, publicUser(prev), publicUser(next));
    return publicUser(next);
  });
  // After the commit, as for a revocation: a lookup racing with it cannot cache the old answer.
  keys.invalidate();
  return updated;
}

export async function deleteUser(ctx: CoreContext, keys: ApiKeyCache, actor: Actor, id: string): Promise<void> {
  await ctx.store.transaction(async (repos) => {
    const prev = await repos.users.get(id);
    if (!prev) throw notFound('user', id);
    if (prev.role === 'admin' && !prev.disabled && (await repos.users.countAdmins()) <= 1) {
      throw new MailroomError(ErrorCodes.INVALID_STATE, 'this is the last active admin; make another user admin first');
    }
    await repos.users.delete(id);
    await audit(repos, ctx, actor, 'user.delete', { type: 'user', id }, publicUser(prev), undefined);
  });
  keys.invalidate();
}

export async function resetPasswordByEmail(ctx: CoreContext, keys: ApiKeyCache, actor: Actor, email: string, newPassword: string): Promise<User> {
  const user = await ctx.store.repos.users.findByEmail(email.toLowerCase());
  if (!user) throw notFound('user', email);
  return updateUser(ctx, keys, actor, user.id, { password: newPassword }, { passwordChosenByUser: true });
}
