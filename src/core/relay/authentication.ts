import { timingSafeEqual } from 'node:crypto';
import type { LoginThrottle } from '../access/login-throttle.js';
import { audit, type CoreContext } from '../context.js';
import { ErrorCodes, MailroomError } from '../kernel/errors.js';
import { inCidr } from '../probes/network-policy.js';
import { relayCidr, relayClientIp, type StoredSmtpCredential } from './credentials.js';
import { hashRelayPassword } from './credentials.service.js';

/** Failed AUTHs per client address or username in THROTTLE_WINDOW_MS before AUTH is refused outright. */
export const AUTH_FAILURE_LIMIT = 10;
export const THROTTLE_WINDOW_MS = 15 * 60_000;
/** Relay AUTH is counted apart from admin logins (same store table, own keys). */
export const RELAY_THROTTLE_SCOPE = 'relay:';
/** lastUsedAt is written at most this often per credential (it is shown in minutes). */
const TOUCH_EVERY_MS = 60_000;

/**
 * Whether a client address may use the credential: any when its list is empty. IPv4 is IPv4
 * however it is written: a mapped client (::ffff:10.1.2.3) matches 10.0.0.0/8, and a mapped
 * entry stored before entries were rewritten (::ffff:10.0.0.0/104) matches 10.1.2.3.
 */
export function clientAllowed(c: Pick<StoredSmtpCredential, 'allowedIps'>, clientIp: string): boolean {
  if (!c.allowedIps.length) return true;
  const ip = relayClientIp(clientIp);
  return (
    ip !== undefined &&
    c.allowedIps.some((entry) => {
      const range = relayCidr(entry);
      return range !== undefined && inCidr(ip, range);
    })
  );
}

/**
 * A session logged in with a password acts only while that password is the credential's: a
 * rotation (what an admin does when it leaked) must end sessions opened with the old one too,
 * not just new logins, or a client holding a connection open keeps sending.
 */
export function checkSessionPassword(c: Pick<StoredSmtpCredential, 'name' | 'passwordHash'>, loggedInWith: string | null): void {
  if (c.passwordHash !== loggedInWith) {
    throw new MailroomError(ErrorCodes.UNAUTHENTICATED, `the password of SMTP credential "${c.name}" was changed after this session logged in; log in again with the new one`);
  }
}

/** A username as it may appear in the audit log and the rejections list: short and printable. */
export function cleanUsername(u: string): string {
  return u.replace(/[^\x21-\x7e]/g, '?').slice(0, 64);
}

/** How a username no credential has is recorded: it may be a password typed into the wrong field. */
export const NO_SUCH_USERNAME = '(no such username)';

/**
 * The username an AUTH is recorded under (audit log, rejections list): the credential's when the
 * typed one names a credential, else "(no such username)", never the text typed, as admin logins
 * record "login:(no such user)" (docs/security.md).
 */
export function recordedUsername(c: Pick<StoredSmtpCredential, 'username'> | undefined): string {
  return c ? cleanUsername(c.username) : NO_SUCH_USERNAME;
}

/** recordedUsername() for an AUTH refused before its username was looked up (the throttle, a store that did not answer). */
export async function recordedUsernameOf(ctx: CoreContext, typed: string): Promise<string> {
  const username = typed.trim().toLowerCase();
  return recordedUsername(username ? await ctx.store.repos.smtpCredentials.findByUsername(username) : undefined);
}

export interface AuthAttempt {
  username: string;
  password: string;
  clientIp: string;
  mechanism: string;
  /** AUTH PLAIN's authorization identity as sent (RFC 4616); never recorded: see asksProxyLogin. */
  authzid?: string;
}

/** The reason a proxy login is audited under: what was asked for is not said (see asksProxyLogin). */
export const PROXY_LOGIN_REASON = 'an authorization identity other than the username was asked for (no proxy logins)';

/**
 * AUTH PLAIN's authorization identity (RFC 4616): a client may ask to act as another identity
 * than the one it logs in as. The relay has no such proxy logins, so a request for one fails
 * rather than being ignored (a client that asked to send as "admin" must not believe it does).
 * The same identity twice, or the username in the authzid alone (a habit of some clients), is
 * no such request. The identity asked for is typed text, perhaps a password put into the wrong
 * field (`<password>\0user\0…`), so it is never quoted in the reply, the audit log or the
 * rejections list.
 */
export function asksProxyLogin(authzid: string | undefined, authcid: string | undefined): boolean {
  const asked = (authzid ?? '').trim().toLowerCase();
  const own = (authcid ?? '').trim().toLowerCase();
  return asked !== '' && own !== '' && asked !== own;
}

/**
 * AUTH PLAIN / LOGIN. A failure says only that the login failed (which of username, password,
 * address or switched-off credential is for the audit log; a proxy login, asksProxyLogin, is
 * told that it is not supported, whatever its password, which it so does not learn), counts
 * against the client address and the username, and past AUTH_FAILURE_LIMIT in the window
 * further attempts are refused without being checked (RATE_LIMITED with retryAfterSec). Every
 * checked failure is audited (`relay.auth_failed`); so is the moment the throttle engages
 * (`relay.auth_throttled`).
 * A failure returns the failures so far (for the caller's growing delay), the credential the
 * username named, if any, and the username to record (recordedUsername) for the list of refusals.
 */
export async function authenticate(
  ctx: CoreContext,
  throttle: LoginThrottle,
  a: AuthAttempt,
): Promise<{ ok: true; credential: StoredSmtpCredential } | { ok: false; failures: number; credentialId: string | null; username: string; error: MailroomError }> {
  const username = a.username.trim().toLowerCase();
  // Counted before it is checked, in the store shared by every process: however many
  // connections try at once, no more than AUTH_FAILURE_LIMIT attempts get past this line in a
  // window. A good password takes its own count back.
  const attempt = await throttle.begin(a.clientIp, username);
  const failures = attempt.failures;
  const c = username ? await ctx.store.repos.smtpCredentials.findByUsername(username) : undefined;
  // The hash is computed and compared whatever was found, so a wrong username answers as fast as a wrong password.
  const given = Buffer.from(hashRelayPassword(a.password), 'hex');
  const stored = Buffer.from(c?.passwordHash ?? '0'.repeat(64), 'hex');
  const passwordOk = timingSafeEqual(given, stored) && c?.passwordHash != null;
  const proxy = asksProxyLogin(a.authzid, a.username);
  const reason = proxy
    ? PROXY_LOGIN_REASON
    : !c
      ? 'unknown username'
      : c.authentication !== 'password'
        ? 'the credential logs in by client address, not with a password'
        : !passwordOk
          ? 'wrong password'
          : !c.enabled
            ? 'the credential is switched off'
            : !clientAllowed(c, a.clientIp)
              ? `client address ${a.clientIp} is not in the credential's allowedIps`
              : null;
  const now = ctx.clock.now();
  if (reason === null && c) {
    await throttle.succeeded(attempt);
    if (now - (c.lastUsedAt ?? 0) >= TOUCH_EVERY_MS) await ctx.store.repos.smtpCredentials.touch(c.id, now);
    return { ok: true, credential: c };
  }
  const recorded = recordedUsername(c);
  const actor = { label: `smtp:${recorded}`, ip: a.clientIp };
  await audit(ctx.store.repos, ctx, actor, 'relay.auth_failed', { type: 'smtp_credential', id: c?.id ?? null }, undefined, { username: recorded, mechanism: a.mechanism, reason, failures });
  if (failures === AUTH_FAILURE_LIMIT) {
    await audit(ctx.store.repos, ctx, actor, 'relay.auth_throttled', { type: 'smtp_credential', id: c?.id ?? null }, undefined, { username: recorded, failures, windowSec: THROTTLE_WINDOW_MS / 1000 });
  }
  const message = proxy ? 'authentication failed: an authorization identity other than the username is not supported; leave it empty or give your own username' : 'authentication failed';
  return { ok: false, failures, credentialId: c?.id ?? null, username: recorded, error: new MailroomError(ErrorCodes.INVALID_CREDENTIALS, message) };
}

/**
 * The client-ip credential a session without AUTH acts as: the enabled one whose allowedIps
 * hold the client's address (creating them refuses overlaps, so there is one at most).
 */
export async function credentialForClient(ctx: CoreContext, clientIp: string): Promise<StoredSmtpCredential | undefined> {
  return clientIpCredential(await ctx.store.repos.smtpCredentials.list(), clientIp);
}

/** credentialForClient() over a list already read. */
export function clientIpCredential<C extends Pick<StoredSmtpCredential, 'authentication' | 'enabled' | 'allowedIps'>>(all: readonly C[], clientIp: string): C | undefined {
  return all.find((c) => c.authentication === 'client-ip' && c.enabled && clientAllowed(c, clientIp));
}
