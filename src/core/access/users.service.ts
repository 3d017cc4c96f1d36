import type { Actor } from '../kernel/audit.js';
import type { ApiKeyCache } from './api-key-cache.js';
import { audit, type CoreContext } from '../context.js';
import { ErrorCodes, invalid, isMailroomError, MailroomError, notFound } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import { hashPassword } from './passwords.js';
import type { UserRecord, UserRepository } from './ports.js';
import { parseMailbox } from '../kernel/addresses.js';
import { ROLES, type User } from './users.js';
import { bool, doc, oneOf, onlyKeys, optLabel, str } from '../kernel/validate.js';
import { changesNothing, requireVersion, versionConflict } from '../kernel/versioning.js';

export const MIN_PASSWORD_LENGTH = 10;

/**
 * A user's email is their login: one bare address, stored lower-cased with its domain in ASCII
 * (punycode), so "Ann@Bücher.example" signs in as ann@xn--bcher-kva.example. A display name
 * ("Ann <ann@example.com>") is refused rather than dropped: the name belongs in `name`.
 */
export function loginEmail(field: string, v: unknown): string {
  const m = parseMailbox(field, str(field, v, { max: 320 }));
  if (m.name) throw invalid(field, `give the address alone ("${m.address}"), without a display name: it is the login; put the name in "name"`);
  return m.address.toLowerCase();
}

/**
 * The login an address someone typed to sign in (or that a command names) stands for, spelled
 * as creating the user stored it (loginEmail): `Ann@Bücher.example` finds ann@xn--bcher-kva.example.
 * Text that is no bare address is only trimmed and lower-cased: it finds nobody, and signing in
 * with it is "email or password is wrong", never a hint about which logins exist.
 */
export function typedLogin(typed: string): string {
  try {
    return loginEmail('email', typed);
  } catch (err) {
    if (isMailroomError(err)) return typed.trim().toLowerCase();
    throw err;
  }
}

/** Throws DUPLICATE (field email) when another user than `self` has the email. */
export async function assertEmailFree(users: UserRepository, email: string, self?: string): Promise<void> {
  const other = await users.findByEmail(email);
  if (other && other.id !== self) throw new MailroomError(ErrorCodes.DUPLICATE, `a user with email ${email} already exists`, { field: 'email' });
}

export function publicUser(u: UserRecord): User {
  const { passwordHash: _hidden, ...rest } = u;
  return rest;
}

/**
 * A password a user is given or chooses (`password`, a profile's `newPassword`): at least
 * MIN_PASSWORD_LENGTH characters, and not only blanks (ten spaces were taken, and signed in).
 */
export function newPassword(field: string, v: unknown): string {
  const p = str(field, v, { max: 1000 });
  if (p.length < MIN_PASSWORD_LENGTH) throw new MailroomError(ErrorCodes.VALIDATION, `${field}: must be at least ${MIN_PASSWORD_LENGTH} characters`, { field });
  if (p.trim() === '') throw new MailroomError(ErrorCodes.VALIDATION, `${field}: must not be only blanks (spaces, tabs or line endings)`, { field });
  return p;
}

const password = (v: unknown) => newPassword('password', v);

export async function listUsers(ctx: CoreContext): Promise<User[]> {
  return (await ctx.store.repos.users.list()).map(publicUser);
}

/**
 * A new user. Their password is one someone else chose (an admin, in the UI or the API), so by
 * default they are asked to choose their own at the first sign-in (`passwordChangeRequired`).
 * The CLI's `user create` (typed by the operator) and the first admin from
 * MAILROOM_ADMIN_PASSWORD pass false; the first admin's generated password passes true.
 * `disabled: true` makes an account that cannot sign in until an admin enables it.
 */
export async function createUser(ctx: CoreContext, actor: Actor, input: unknown, opts: { passwordChangeRequired?: boolean } = {}): Promise<User> {
  const d = doc('user', input);
  onlyKeys('user', d, ['email', 'name', 'role', 'password', 'disabled']);
  // Whatever the entry point (the API's schema says the same): no role is assumed for a new user.
  for (const f of ['email', 'password', 'role'] as const) if (d[f] === undefined) throw invalid(f, 'is required');
  const email = loginEmail('email', d.email);
  const role = oneOf('role', d.role, ROLES);
  const name = optLabel('name', d.name);
  const disabled = d.disabled === undefined ? false : bool('disabled', d.disabled);
  const passwordHash = await hashPassword(password(d.password));
  return ctx.store.transaction(async (repos) => {
    await assertEmailFree(repos.users, email);
    const now = ctx.clock.now();
    const user: UserRecord = { id: newId('usr'), email, name, role, disabled, passwordHash, passwordChangeRequired: opts.passwordChangeRequired ?? true, createdAt: now, updatedAt: now, version: 1 };
    await repos.users.insert(user);
    await audit(repos, ctx, actor, 'user.create', { type: 'user', id: user.id }, undefined, publicUser(user));
    return publicUser(user);
  });
}

/**
 * An admin's change to a user, with the `version` they read (a stale one is a conflict, as for
 * every resource admins edit). A password set here is one the user did not choose, so the UI
 * asks them to change it (unless `passwordChosenByUser`: the CLI's reset, typed by the operator).
 * A new email (their login, checked like a new user's) leaves their sessions open: sessions
 * belong to the user, not to the address, and show the new one at once; only a new password or
 * disabling ends them. A patch that changes nothing (no field, or each as it is) writes nothing:
 * the version, the sessions and the audit log stay as they are.
 * `keys`: this process's API key cache. A user's keys answer to them (api-keys.ts): once their
 * role, status or existence changes, no key of theirs may be honoured from the cache.
 */
export async function updateUser(ctx: CoreContext, keys: ApiKeyCache, actor: Actor, id: string, input: unknown, opts: { passwordChosenByUser?: boolean } = {}): Promise<User> {
  const d = doc('user', input);
  onlyKeys('user', d, ['email', 'name', 'role', 'password', 'disabled', 'version']);
  const version = requireVersion(d);
  const email = d.email === undefined ? undefined : loginEmail('email', d.email);
  const newHash = d.password === undefined ? undefined : await hashPassword(password(d.password));
  const { user: updated, changed } = await ctx.store.transaction(async (repos) => {
    const prev = await repos.users.get(id);
    if (!prev) throw notFound('user', id);
    if (prev.version !== version) throw versionConflict('user', id, prev.version, version);
    if (email !== undefined && email !== prev.email) await assertEmailFree(repos.users, email, prev.id);
    const next: UserRecord = {
      ...prev,
      email: email ?? prev.email,
      name: d.name === undefined ? prev.name : optLabel('name', d.name),
      role: d.role === undefined ? prev.role : oneOf('role', d.role, ROLES),
      disabled: d.disabled === undefined ? prev.disabled : bool('disabled', d.disabled),
      passwordHash: newHash ?? prev.passwordHash,
      passwordChangeRequired: newHash ? !opts.passwordChosenByUser : prev.passwordChangeRequired,
      updatedAt: ctx.clock.now(),
      version: prev.version + 1,
    };
    // A new password is a new hash (salted), so it is always a change.
    if (changesNothing(prev, next)) return { user: publicUser(prev), changed: false };
    const losesAdmin = prev.role === 'admin' && !prev.disabled && (next.role !== 'admin' || next.disabled);
    // Counted under the admins' lock: a count alone let two changes at once take away the last two.
    if (losesAdmin && (await repos.users.lockActiveAdmins()) <= 1) {
      throw new MailroomError(ErrorCodes.INVALID_STATE, 'this is the last active admin; make another user admin first');
    }
    if (!(await repos.users.update(next, prev.version))) throw versionConflict('user', id, prev.version + 1, version);
    // A new password or a disabled account ends every open session of that user.
    if (newHash || next.disabled) await repos.sessions.deleteForUser(id);
    await audit(repos, ctx, actor, newHash ? 'user.password_reset' : 'user.update', { type: 'user', id }, publicUser(prev), publicUser(next));
    return { user: publicUser(next), changed: true };
  });
  // After the commit, as for a revocation: a lookup racing with it cannot cache the old answer.
  if (changed) keys.invalidate();
  return updated;
}

export async function deleteUser(ctx: CoreContext, keys: ApiKeyCache, actor: Actor, id: string): Promise<void> {
  await ctx.store.transaction(async (repos) => {
    const prev = await repos.users.get(id);
    if (!prev) throw notFound('user', id);
    if (prev.role === 'admin' && !prev.disabled && (await repos.users.lockActiveAdmins()) <= 1) {
      throw new MailroomError(ErrorCodes.INVALID_STATE, 'this is the last active admin; make another user admin first');
    }
    await repos.users.delete(id);
    await audit(repos, ctx, actor, 'user.delete', { type: 'user', id }, publicUser(prev), undefined);
  });
  keys.invalidate();
}

export async function resetPasswordByEmail(ctx: CoreContext, keys: ApiKeyCache, actor: Actor, email: string, newPassword: string): Promise<User> {
  const user = await ctx.store.repos.users.findByEmail(typedLogin(email));
  if (!user) throw notFound('user', email);
  return updateUser(ctx, keys, actor, user.id, { password: newPassword, version: user.version }, { passwordChosenByUser: true });
}
