import { createHash, randomBytes } from 'node:crypto';
import { audit, type CoreContext } from '../context.js';
import type { Actor } from '../kernel/audit.js';
import { ErrorCodes, isDuplicateKey, MailroomError, notFound } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import { changesNothing, requireVersion, versionConflict } from '../kernel/versioning.js';
import type { Repositories } from '../ports.js';
import { holdPurpose } from '../routing/routing.js';
import { withSending, type CredentialView } from './credential-sending.js';
import { assertNoOverlap, freeUsername, normalizeCredential, publicCredential, type CredentialConfig, type SmtpCredential, type StoredSmtpCredential } from './credentials.js';

/**
 * Relay passwords are generated (~190 random bits), never chosen, so a fast hash is enough:
 * nothing can be guessed from it, and AUTH costs microseconds rather than a password stretch per
 * session (the failed-AUTH throttle is what slows guessing).
 */
export function hashRelayPassword(password: string): string {
  return createHash('sha256').update(password).digest('hex');
}

/**
 * 32 characters a person can copy and any SMTP client can send (no quotes, no spaces). Never
 * starting with "-": command-line clients (swaks --auth-password -x…) would take it for an option.
 */
export function generateRelayPassword(): string {
  for (;;) {
    const password = randomBytes(24).toString('base64url');
    if (!password.startsWith('-')) return password;
  }
}

export async function listCredentials(ctx: CoreContext): Promise<CredentialView[]> {
  const repos = ctx.store.repos;
  return Promise.all((await repos.smtpCredentials.list()).map((c) => withSending(repos, publicCredential(c))));
}

export async function getCredential(ctx: CoreContext, id: string): Promise<CredentialView> {
  const c = await ctx.store.repos.smtpCredentials.get(id);
  if (!c) throw notFound('SMTP credential', id);
  return withSending(ctx.store.repos, publicCredential(c));
}

/**
 * The routing a credential names must exist now (it may still be switched off later: the relay
 * then says so), held until the credential is saved: neither can be deleted meanwhile.
 */
async function checkRouting(repos: Repositories, config: CredentialConfig): Promise<void> {
  if (config.purpose) await holdPurpose(repos, config.purpose);
  if (config.accountId && !(await repos.accounts.hold(config.accountId))) {
    throw new MailroomError(ErrorCodes.VALIDATION, `accountId: account ${config.accountId} does not exist`, { field: 'accountId' });
  }
}

/**
 * The name and username must be free: a taken one is a 409 naming the field and the credential
 * that has it. A username made from the name (none given) moves on to the next free one instead.
 */
function claimNameAndUsername(config: CredentialConfig, derived: boolean, others: readonly SmtpCredential[]): CredentialConfig {
  const sameName = others.find((c) => c.name === config.name);
  if (sameName) throw new MailroomError(ErrorCodes.DUPLICATE, `an SMTP credential named "${config.name}" exists already; choose another name`, { field: 'name', credentialId: sameName.id });
  if (derived) return { ...config, username: freeUsername(config.username, new Set(others.map((c) => c.username))) };
  const sameUsername = others.find((c) => c.username === config.username);
  if (sameUsername) {
    throw new MailroomError(ErrorCodes.DUPLICATE, `username "${config.username}" is taken by SMTP credential "${sameUsername.name}"; give another username`, { field: 'username', credentialId: sameUsername.id });
  }
  return config;
}

/** A write that lost a race for a name or username to a concurrent one is tried again this often. */
const CREATE_ATTEMPTS = 5;

/** Creates a credential; the returned password (password credentials only) is shown this once. */
export async function createCredential(ctx: CoreContext, actor: Actor, input: unknown): Promise<{ credential: CredentialView; password?: string }> {
  const normalized = normalizeCredential(input);
  const derived = (input as { username?: unknown }).username === undefined;
  const password = normalized.authentication === 'password' ? generateRelayPassword() : undefined;
  for (let attempt = 1; ; attempt++) {
    const now = ctx.clock.now();
    try {
      const record = await ctx.store.transaction(async (repos) => {
        await checkRouting(repos, normalized);
        const others = await repos.smtpCredentials.list();
        const config = claimNameAndUsername(normalized, derived, others);
        assertNoOverlap(config, others);
        const record: StoredSmtpCredential = {
          id: newId('smc', now),
          ...config,
          passwordHash: password ? hashRelayPassword(password) : null,
          createdBy: actor.label,
          createdAt: now,
          updatedAt: now,
          lastUsedAt: null,
          passwordRotatedAt: null,
          version: 1,
        };
        await repos.smtpCredentials.insert(record);
        await audit(repos, ctx, actor, 'smtp_credential.create', { type: 'smtp_credential', id: record.id }, undefined, publicCredential(record));
        return record;
      });
      return { credential: await withSending(ctx.store.repos, publicCredential(record), true), ...(password ? { password } : {}) };
    } catch (err) {
      // A concurrent create took the name or username between the check and the insert: the
      // next attempt sees it (and says which field, or moves a name-made username on).
      if (!isDuplicateKey(err) || attempt >= CREATE_ATTEMPTS) {
        throw isDuplicateKey(err)
          ? new MailroomError(ErrorCodes.DUPLICATE, `an SMTP credential named "${normalized.name}" or with username "${normalized.username}" was just created; choose another name or username`, { field: derived ? 'name' : 'username' })
          : err;
      }
    }
  }
}

export async function updateCredential(ctx: CoreContext, actor: Actor, id: string, input: unknown): Promise<CredentialView> {
  const version = requireVersion(input);
  try {
    const saved = await ctx.store.transaction(async (repos) => {
      const prev = await repos.smtpCredentials.get(id);
      if (!prev) throw notFound('SMTP credential', id);
      if (prev.version !== version) throw versionConflict('SMTP credential', id, prev.version, version);
      const config = normalizeCredential(input, prev);
      await checkRouting(repos, config);
      assertNoOverlap(config, (await repos.smtpCredentials.list()).filter((c) => c.id !== id));
      const next: StoredSmtpCredential = { ...prev, ...config, updatedAt: ctx.clock.now(), version: prev.version + 1 };
      if (changesNothing(prev, next, ['allowedFrom', 'allowedIps'])) return publicCredential(prev);
      if (!(await repos.smtpCredentials.update(next, prev.version))) throw versionConflict('SMTP credential', id, prev.version + 1, prev.version);
      await audit(repos, ctx, actor, 'smtp_credential.update', { type: 'smtp_credential', id }, publicCredential(prev), publicCredential(next));
      return publicCredential(next);
    });
    return await withSending(ctx.store.repos, saved, true);
  } catch (err) {
    throw isDuplicateKey(err) ? new MailroomError(ErrorCodes.DUPLICATE, 'another SMTP credential has that name; choose another', { field: 'name' }) : err;
  }
}

/**
 * A new password, shown this once; the old one stops working at once (sessions already logged
 * in finish their current connection). Client-ip credentials have no password to rotate.
 */
export async function rotateCredentialPassword(ctx: CoreContext, actor: Actor, id: string): Promise<{ credential: CredentialView; password: string }> {
  const password = generateRelayPassword();
  const credential = await ctx.store.transaction(async (repos) => {
    const prev = await repos.smtpCredentials.get(id);
    if (!prev) throw notFound('SMTP credential', id);
    if (prev.authentication !== 'password') {
      throw new MailroomError(ErrorCodes.INVALID_STATE, `SMTP credential "${prev.name}" logs in by client address and has no password to rotate`, { authentication: prev.authentication });
    }
    const now = ctx.clock.now();
    const next: StoredSmtpCredential = { ...prev, passwordHash: hashRelayPassword(password), passwordRotatedAt: now, updatedAt: now, version: prev.version + 1 };
    if (!(await repos.smtpCredentials.update(next, prev.version))) throw versionConflict('SMTP credential', id, prev.version + 1, prev.version);
    await audit(repos, ctx, actor, 'smtp_credential.rotate', { type: 'smtp_credential', id }, { rotatedAt: prev.passwordRotatedAt }, { rotatedAt: now });
    return publicCredential(next);
  });
  return { credential: await withSending(ctx.store.repos, credential, true), password };
}

export async function deleteCredential(ctx: CoreContext, actor: Actor, id: string): Promise<void> {
  await ctx.store.transaction(async (repos) => {
    const prev = await repos.smtpCredentials.get(id);
    if (!prev) throw notFound('SMTP credential', id);
    await repos.smtpCredentials.delete(id);
    await audit(repos, ctx, actor, 'smtp_credential.delete', { type: 'smtp_credential', id }, publicCredential(prev), undefined);
  });
}
