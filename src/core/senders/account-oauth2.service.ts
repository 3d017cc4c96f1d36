import { audit, type CoreContext } from '../context.js';
import type { Actor } from '../kernel/audit.js';
import { ErrorCodes, MailroomError, notFound } from '../kernel/errors.js';
import { versionConflict } from '../kernel/versioning.js';
import type { StoredAccount } from './ports.js';

/**
 * The account as the store holds it now. Outside a transaction, reads come from this process's
 * configuration cache, which may be a second behind a change another process made; a Connect
 * sign-in may start in one process and come back to another, so both ends read the account
 * afresh: the version the sign-in starts from, and the settings its code is exchanged with,
 * are the stored ones.
 */
export function currentAccount(ctx: CoreContext, id: string): Promise<StoredAccount | undefined> {
  return ctx.store.transaction((repos) => repos.accounts.get(id));
}

/** The OAuth2 account "Connect" is for, or a clear refusal; `current`: read afresh (currentAccount), for a sign-in. */
export async function oauth2Account(ctx: CoreContext, id: string, opts: { current?: boolean } = {}): Promise<StoredAccount> {
  const a = opts.current ? await currentAccount(ctx, id) : await ctx.store.repos.accounts.get(id);
  if (!a) throw notFound('account', id);
  if (a.auth.type !== 'oauth2') throw new MailroomError(ErrorCodes.INVALID_STATE, `account ${a.address} logs in with a password; set auth.type "oauth2" first`, { field: 'auth' });
  return a;
}

/**
 * Stores the refresh token "Connect" obtained (authorization code with PKCE), if the account is
 * still the version the flow started from: settings changed meanwhile mean the token may be
 * for another client or tenant.
 */
export async function storeConnectedRefreshToken(ctx: CoreContext, actor: Actor, accountId: string, startedAtVersion: number, refreshToken: string, signedInAs: string | null): Promise<StoredAccount> {
  return ctx.store.transaction(async (repos) => {
    const prev = await repos.accounts.get(accountId);
    if (!prev) throw notFound('account', accountId);
    if (prev.version !== startedAtVersion) throw versionConflict('account', accountId, prev.version, startedAtVersion);
    if (prev.auth.type !== 'oauth2') throw new MailroomError(ErrorCodes.INVALID_STATE, 'the account no longer uses OAuth2', { field: 'auth' });
    let refreshTokenId = prev.refreshTokenId;
    if (refreshTokenId) await repos.secrets.replace(refreshTokenId, refreshToken);
    else refreshTokenId = await repos.secrets.put(refreshToken);
    const next: StoredAccount = { ...prev, refreshTokenId, updatedAt: ctx.clock.now(), version: prev.version + 1 };
    if (!(await repos.accounts.update(next, prev.version))) throw versionConflict('account', accountId, prev.version + 1, prev.version);
    await audit(repos, ctx, actor, 'account.oauth2_connected', { type: 'account', id: accountId }, undefined, { provider: prev.auth.provider, signedInAs });
    return next;
  });
}
