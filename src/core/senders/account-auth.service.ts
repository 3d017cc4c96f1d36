import { invalid } from '../kernel/errors.js';
import type { Repositories } from '../ports.js';
import { authMoved, type AccountAuth, type OAuth2SecretsInput } from './account-auth.js';
import type { StoredAccount } from './ports.js';

type Held = Pick<StoredAccount, 'auth' | 'clientSecretId' | 'refreshTokenId'>;

/** Stores, replaces or removes one write-only value; returns its secret id. */
async function keep(repos: Repositories, id: string | null, value: string | null | undefined, drop: boolean): Promise<string | null> {
  if (typeof value === 'string') {
    if (id) {
      await repos.secrets.replace(id, value);
      return id;
    }
    return repos.secrets.put(value);
  }
  if ((value === null || drop) && id) {
    await repos.secrets.delete(id);
    return null;
  }
  return id;
}

/**
 * The OAuth2 client secret and refresh token after a save, inside its transaction. They are
 * dropped when the account stops using OAuth2, and must be given again when the provider,
 * tenant, client, token endpoint, server or login changes: a token is never sent somewhere the
 * admin who entered it did not intend.
 */
export async function applyOAuth2Secrets(
  repos: Repositories,
  prev: Held | undefined,
  auth: AccountAuth,
  given: OAuth2SecretsInput,
  repointed: boolean,
): Promise<{ clientSecretId: string | null; refreshTokenId: string | null; changed: string[] }> {
  const held: Held = prev ?? { auth: { type: 'password' }, clientSecretId: null, refreshTokenId: null };
  const off = auth.type !== 'oauth2';
  const moved = Boolean(prev) && (authMoved(held.auth, auth) || repointed) && held.auth.type === 'oauth2';
  if (auth.type === 'oauth2' && moved && given.clientSecret === undefined && !auth.clientSecretRef && held.clientSecretId) {
    throw invalid('auth.clientSecret', 'is required again when the provider, tenant, client id, token URL, server or login changes: the stored one is never sent somewhere new');
  }
  const clientSecretId = await keep(repos, held.clientSecretId, given.clientSecret, off || moved || (auth.type === 'oauth2' && auth.clientSecretRef !== null));
  const refreshTokenId = await keep(repos, held.refreshTokenId, given.refreshToken, off || moved);
  if (auth.type === 'oauth2' && auth.provider !== 'generic' && !clientSecretId && !auth.clientSecretRef) {
    throw invalid('auth.clientSecret', `is required for ${auth.provider === 'microsoft' ? 'Microsoft' : 'Google'}: the client secret of the app registration (or clientSecretRef)`);
  }
  const changed: string[] = [];
  if (clientSecretId !== held.clientSecretId || typeof given.clientSecret === 'string') changed.push('clientSecret');
  if (refreshTokenId !== held.refreshTokenId || typeof given.refreshToken === 'string') changed.push('refreshToken');
  return { clientSecretId, refreshTokenId, changed };
}
