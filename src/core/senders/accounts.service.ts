import { isDirect } from './servers.js';
import { accountChangeClearsPassword, normalizeAccountInput, type AccountConfig, type MailAccount } from './accounts.js';
import type { Actor } from '../kernel/audit.js';
import { audit, type CoreContext } from '../context.js';
import { ErrorCodes, MailroomError, notFound } from '../kernel/errors.js';
import { assertIdFilter, newId } from '../kernel/ids.js';
import type { Repositories } from '../ports.js';
import type { StoredAccount } from './ports.js';
import { changesNothing, requireVersion, versionConflict } from '../kernel/versioning.js';
import { parseSecretRef, providerIdOf } from '../credentials/references.js';
import { applyOAuth2Secrets } from './account-auth.service.js';
import { inUseError, usersByKey, usersByName } from '../kernel/in-use.js';
import { settingsAsUsers } from '../routing/settings-as-users.js';
import { settingsNamingAccount } from '../routing/settings.js';

/** The account as the API shows it: whether a password is set, never the password or its storage id. */
export function publicAccount(a: StoredAccount): MailAccount {
  const { passwordSecretId: _hidden, clientSecretId, refreshTokenId, ...rest } = a;
  return a.auth.type === 'oauth2' ? { ...rest, auth: { ...a.auth, clientSecretSet: clientSecretId !== null, refreshTokenSet: refreshTokenId !== null } } : rest;
}

export async function listAccounts(ctx: CoreContext, filter?: { serverId?: string }): Promise<MailAccount[]> {
  assertIdFilter('serverId', 'srv', 'a server', filter?.serverId);
  return (await ctx.store.repos.accounts.list(filter)).map(publicAccount);
}

export async function getAccount(ctx: CoreContext, id: string): Promise<StoredAccount> {
  const a = await ctx.store.repos.accounts.get(id);
  if (!a) throw notFound('account', id);
  return a;
}

/** A reference must name something that exists now: never accepted, then deferred for days at send time. */
async function checkReference(repos: Repositories, field: 'passwordRef' | 'auth.clientSecretRef', ref: string | null): Promise<void> {
  if (!ref) return;
  const parsed = parseSecretRef(field, ref);
  if (parsed.kind === 'internal' && !(await repos.namedSecrets.get(parsed.name))) {
    throw new MailroomError(ErrorCodes.VALIDATION, `${field}: there is no internal secret "${parsed.name}"; create it first (PUT /api/v1/secrets/${parsed.name})`, { field });
  }
  const providerId = providerIdOf(parsed);
  if (providerId) {
    const p = await repos.secretProviders.get(providerId);
    if (!p) throw new MailroomError(ErrorCodes.VALIDATION, `${field}: there is no secret provider ${providerId}; create it first (POST /api/v1/secret-providers)`, { field });
    if (p.kind !== parsed.kind) throw new MailroomError(ErrorCodes.VALIDATION, `${field}: provider ${providerId} ("${p.name}") is ${p.kind}, not ${parsed.kind}`, { field });
  }
}

async function checkServer(repos: Repositories, config: AccountConfig, hasCredentials: boolean): Promise<void> {
  await checkReference(repos, 'passwordRef', config.passwordRef);
  if (config.auth.type === 'oauth2') await checkReference(repos, 'auth.clientSecretRef', config.auth.clientSecretRef);
  const server = await repos.servers.get(config.serverId);
  if (!server) {
    throw new MailroomError(ErrorCodes.VALIDATION, `serverId: server ${config.serverId} does not exist; create the server first`, { field: 'serverId' });
  }
  if (hasCredentials && isDirect(server.smtp)) {
    // Exchangers take mail for their own domain without a login: a password would never be used.
    throw new MailroomError(ErrorCodes.VALIDATION, `server "${server.name}" delivers directly to each recipient domain's exchanger, which takes no login: an account on it has no password`, { field: 'password' });
  }
  if (config.inbound?.enabled && !server.imap) {
    throw new MailroomError(ErrorCodes.VALIDATION, `inbound: server "${server.name}" has no IMAP section; add its IMAP host first, then enable reading`, { field: 'inbound' });
  }
  // On a plain internal relay the password can only be the IMAP login's, and only where TLS protects it.
  if (hasCredentials && server.smtp.security === 'none' && !(server.imap && server.imap.security !== 'none')) {
    throw new MailroomError(
      ErrorCodes.VALIDATION,
      `server "${server.name}" uses security "none": a password would cross the network in plain text; set its security to "starttls" or "tls" first (or, for reading mail, give the server an IMAP section with TLS: the password is then used for IMAP only)`,
      { field: 'password' },
    );
  }
}

/**
 * `ownerId` names the user who owns the account: a new one must be a user now (as `serverId`
 * must be a server). One kept unchanged is not looked up again: an owner deleted since does
 * not block changing the account's other fields.
 */
async function checkOwner(repos: Repositories, ownerId: string | null, prevOwnerId?: string | null): Promise<void> {
  if (ownerId === null || ownerId === prevOwnerId) return;
  if (!(await repos.users.get(ownerId))) {
    throw new MailroomError(ErrorCodes.VALIDATION, `ownerId: user ${ownerId} does not exist; give the id of a user (GET /api/v1/users) or null`, { field: 'ownerId' });
  }
}

/** Removes an account's stored password and reference, inside the caller's transaction. */
export async function clearAccountPassword(repos: Repositories, ctx: CoreContext, actor: Actor, account: StoredAccount, why: string): Promise<StoredAccount> {
  if (!account.passwordSecretId && !account.passwordRef && !account.clientSecretId && !account.refreshTokenId) return account;
  const next: StoredAccount = { ...account, passwordSecretId: null, passwordRef: null, passwordSet: false, clientSecretId: null, refreshTokenId: null, updatedAt: ctx.clock.now(), version: account.version + 1 };
  // Changed meanwhile (PostgreSQL), the row may point at those secrets still: nothing is deleted.
  if (!(await repos.accounts.update(next, account.version))) throw versionConflict('account', account.id, account.version + 1, account.version);
  // The row no longer points at the secrets, so they can go (OAuth2's too: a token must not follow a re-pointed server).
  for (const id of [account.passwordSecretId, account.clientSecretId, account.refreshTokenId]) if (id) await repos.secrets.delete(id);
  await audit(repos, ctx, actor, 'account.password_cleared', { type: 'account', id: account.id }, undefined, { reason: why });
  return next;
}

export async function createAccount(ctx: CoreContext, actor: Actor, input: unknown, source: MailAccount['source'] = 'database'): Promise<MailAccount> {
  const { config, password, oauth2 } = normalizeAccountInput(input);
  return ctx.store.transaction(async (repos) => {
    await checkOwner(repos, config.ownerId);
    await checkServer(repos, config, Boolean(password || config.passwordRef || config.auth.type === 'oauth2'));
    const now = ctx.clock.now();
    const passwordSecretId = password ? await repos.secrets.put(password) : null;
    const { clientSecretId, refreshTokenId } = await applyOAuth2Secrets(repos, undefined, config.auth, oauth2, false);
    const account: StoredAccount = {
      id: newId('acc'),
      ...config,
      passwordSecretId,
      clientSecretId,
      refreshTokenId,
      passwordSet: Boolean(passwordSecretId || config.passwordRef),
      source,
      overridden: [],
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    await repos.accounts.insert(account);
    const shown = publicAccount(account);
    await audit(repos, ctx, actor, 'account.create', { type: 'account', id: account.id }, undefined, { ...shown, ...(password ? { password: 'set' } : {}) });
    return shown;
  });
}

export async function updateAccount(ctx: CoreContext, actor: Actor, id: string, input: unknown): Promise<MailAccount> {
  const version = requireVersion(input);
  return ctx.store.transaction(async (repos) => {
    const prev = await repos.accounts.get(id);
    if (!prev) throw notFound('account', id);
    if (prev.version !== version) throw versionConflict('account', id, prev.version, version);
    const { config, password, oauth2 } = normalizeAccountInput(input, prev);
    await checkOwner(repos, config.ownerId, prev.ownerId);
    const refGiven = (input as { passwordRef?: unknown }).passwordRef !== undefined;
    // Re-pointed without a fresh credential: drop the old one (and an old reference too).
    const mustClear = accountChangeClearsPassword(prev, config) && password === undefined && !refGiven;
    let passwordSecretId = prev.passwordSecretId;
    let passwordRef = mustClear ? null : config.passwordRef;
    let orphanedSecret: string | null = null;
    if (mustClear || password === null || (password === undefined && refGiven && config.passwordRef) || config.auth.type === 'oauth2') {
      orphanedSecret = passwordSecretId;
      passwordSecretId = null;
    }
    if (password) {
      passwordRef = null;
      if (passwordSecretId) await repos.secrets.replace(passwordSecretId, password);
      else passwordSecretId = await repos.secrets.put(password);
    }
    await checkServer(repos, config, Boolean(passwordSecretId || passwordRef || config.auth.type === 'oauth2'));
    const tokens = await applyOAuth2Secrets(repos, prev, config.auth, oauth2, accountChangeClearsPassword(prev, config));
    const changed = (Object.keys(config) as (keyof AccountConfig)[]).filter((k) => JSON.stringify(prev[k]) !== JSON.stringify(config[k]));
    if (password !== undefined) changed.push('passwordRef');
    if (tokens.changed.length) changed.push('auth');
    const next: StoredAccount = {
      ...prev,
      ...config,
      passwordRef,
      passwordSecretId,
      clientSecretId: tokens.clientSecretId,
      refreshTokenId: tokens.refreshTokenId,
      passwordSet: Boolean(passwordSecretId || passwordRef),
      overridden: prev.source === 'env' ? [...new Set([...prev.overridden, ...changed])] : prev.overridden,
      updatedAt: ctx.clock.now(),
      version: prev.version + 1,
    };
    // A password or OAuth2 secret given was written above: that is a change even when the record looks the same.
    if (password === undefined && !tokens.changed.length && !orphanedSecret && changesNothing(prev, next, ['aliases'])) return publicAccount(prev);
    if (!(await repos.accounts.update(next, version))) throw versionConflict('account', id, prev.version + 1, version);
    if (orphanedSecret) await repos.secrets.delete(orphanedSecret);
    const after = { ...publicAccount(next), ...(password ? { password: 'changed' } : password === null ? { password: 'removed' } : {}), ...(tokens.changed.length ? { oauth2Changed: tokens.changed } : {}) };
    await audit(repos, ctx, actor, 'account.update', { type: 'account', id }, publicAccount(prev), after);
    if (mustClear && (prev.passwordSecretId || prev.passwordRef)) {
      await audit(repos, ctx, actor, 'account.password_cleared', { type: 'account', id }, undefined, { reason: 'server or login changed without a new password' });
    }
    return publicAccount(next);
  });
}

/**
 * Deletes an account that no configuration names: a purpose that routes to it, a rule, an SMTP
 * credential or a setting that sends from it is 409 MAILROOM_E_IN_USE naming them all, and
 * nothing is deleted. The account is locked before the look (ReferencedRows), so a change that
 * starts to name it meanwhile is either seen or refused. The log keeps the ids of accounts that
 * sent; a message still queued moves on along its failover list (routing.ts chooseAttemptAccount).
 */
export async function deleteAccount(ctx: CoreContext, actor: Actor, id: string): Promise<void> {
  await ctx.store.transaction(async (repos) => {
    const prev = await repos.accounts.lockForDelete(id);
    if (!prev) throw notFound('account', id);
    const used = inUseError(
      `account "${prev.address}"`,
      [
        usersByKey('purposes', ['purpose', 'purposes'], await repos.purposes.listingAccount(id)),
        usersByName('rules', ['rule', 'rules'], await repos.rules.naming('accountId', id)),
        usersByName('smtpCredentials', ['SMTP credential', 'SMTP credentials'], await repos.smtpCredentials.naming('accountId', id)),
        settingsAsUsers(await settingsNamingAccount(repos, id)),
      ],
      'point them at another account first',
    );
    if (used) throw used;
    await repos.accounts.delete(id);
    for (const s of [prev.passwordSecretId, prev.clientSecretId, prev.refreshTokenId]) if (s) await repos.secrets.delete(s);
    await audit(repos, ctx, actor, 'account.delete', { type: 'account', id }, publicAccount(prev), undefined);
  });
}
