import { isMailroomError } from '../../core/kernel/errors.js';
import type { OAuth2Port } from '../../ports.js';
import { CLIENT_SECRET_REF, type SecretResolver } from '../resolver.js';
import type { Store } from '../../core/ports.js';
import { OAuth2Connect } from './connect.js';
import { TOKEN_EARLY_MS } from './account-tokens.js';

/**
 * The OAuth2 port over the resolver's account tokens and the Connect flows; the sign-ins and
 * each account's last outcome are kept in the store, shared by every process on the database.
 */
export function oauth2Port(secrets: SecretResolver, store: Store, now: () => number = Date.now): OAuth2Port {
  const connect = new OAuth2Connect({
    store,
    revealClientSecret: async (account) => {
      const auth = account.auth;
      if (auth.type !== 'oauth2') return null;
      if (account.clientSecretId) return secrets.revealStored(account.clientSecretId);
      return auth.clientSecretRef ? (await secrets.resolve(auth.clientSecretRef, { field: CLIENT_SECRET_REF })).value : null;
    },
    now,
  });
  return {
    health: (account) => secrets.tokens.health(account),
    async check(account) {
      try {
        // Check token asks the provider now (a cached token says nothing of a revoked secret).
        const lease = await secrets.tokens.token(account, { check: true });
        return { ok: true, expiresAt: lease.checkAfter + TOKEN_EARLY_MS };
      } catch (err) {
        if (!isMailroomError(err)) throw err;
        const hint = (err.details as { hint?: string } | undefined)?.hint;
        return { ok: false, error: { code: err.code, message: err.message, ...(hint ? { hint } : {}) } };
      }
    },
    start: (account, redirectUri, startedBy) => connect.start(account, redirectUri, startedBy),
    lookup: (state, browserKey) => connect.lookup(state, browserKey),
    spend: (state) => connect.spend(state),
    finish: (account, state, code) => connect.finish(account, state, code),
    recordConnect: (accountId, outcome) => store.repos.oauth2LastConnects.record(accountId, { ...outcome, at: now() }),
    lastConnect: (accountId) => store.repos.oauth2LastConnects.get(accountId),
  };
}
