import { createHash, randomBytes } from 'node:crypto';
import { audit, type CoreContext } from '../context.js';
import { ROLE_PERMISSIONS, type Principal } from './auth.js';
import { ErrorCodes, MailroomError } from '../kernel/errors.js';
import type { LoginThrottle } from './login-throttle.js';
import { verifyPassword } from './passwords.js';
import type { UserRecord } from './ports.js';
import { publicUser, typedLogin } from './users.service.js';
import type { User } from './users.js';
import { doc, onlyKeys, str } from '../kernel/validate.js';

export const SESSION_TTL_MS = 12 * 60 * 60_000;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export function userPrincipal(u: UserRecord | User): Principal {
  return { kind: 'user', id: u.id, label: `user:${u.email}`, role: u.role, permissions: new Set(ROLE_PERMISSIONS[u.role]), allowOverride: u.role === 'admin' };
}

/**
 * A failed login in the audit log, with the client address: by the user's email when the login
 * names one. A login nobody has is not written down: what was typed may be a password in the
 * wrong field, and every user with read access reads the audit log. Also a wrong current
 * password on the profile, which counts as a failed login too.
 */
export async function auditFailedLogin(ctx: CoreContext, user: Pick<UserRecord, 'id' | 'email'> | undefined, ip: string): Promise<void> {
  await audit(ctx.store.repos, ctx, { label: user ? `login:${user.email}` : 'login:(no such user)', ip }, 'session.login_failed', { type: 'user', id: user?.id ?? null });
}

// A hash to compare against when the email is unknown, so both paths take the same time.
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

export async function login(
  ctx: CoreContext,
  throttle: LoginThrottle,
  input: unknown,
  ip: string,
): Promise<{ token: string; csrfToken: string; user: User; expiresAt: number }> {
  const d = doc('session', input);
  onlyKeys('session', d, ['email', 'password']);
  const email = typedLogin(str('email', d.email, { max: 320 }));
  const password = str('password', d.password, { max: 1000 });
  // Counted as a failure before the password is checked; a right password takes it back.
  const attempt = await throttle.begin(ip, email);
  const user = await ctx.store.repos.users.findByEmail(email);
  const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
  if (!user || !ok || user.disabled) {
    await auditFailedLogin(ctx, user, ip);
    throw new MailroomError(ErrorCodes.INVALID_CREDENTIALS, 'email or password is wrong');
  }
  await throttle.succeeded(attempt);
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  const now = ctx.clock.now();
  const expiresAt = now + SESSION_TTL_MS;
  await ctx.store.repos.sessions.deleteExpired(now);
  await ctx.store.repos.sessions.insert({ tokenHash: sha256(token), userId: user.id, csrfToken, createdAt: now, expiresAt, ip });
  await audit(ctx.store.repos, ctx, { label: `user:${user.email}`, ip }, 'session.login', { type: 'user', id: user.id });
  return { token, csrfToken, user: publicUser(user), expiresAt };
}

export async function sessionPrincipal(ctx: CoreContext, token: string): Promise<{ principal: Principal; csrfToken: string; user: User; tokenHash: string } | undefined> {
  const tokenHash = sha256(token);
  const s = await ctx.store.repos.sessions.get(tokenHash);
  if (!s || s.expiresAt < ctx.clock.now()) return undefined;
  const user = await ctx.store.repos.users.get(s.userId);
  if (!user || user.disabled) return undefined;
  return { principal: userPrincipal(user), csrfToken: s.csrfToken, user: publicUser(user), tokenHash };
}

export async function logout(ctx: CoreContext, tokenHash: string): Promise<void> {
  await ctx.store.repos.sessions.delete(tokenHash);
}
