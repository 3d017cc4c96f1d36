import type { Agent } from 'undici';
import type { Repositories } from '../../core/ports.js';
import { grantOf, scopeOf, tokenUrlOf, type OAuth2Settings, type TokenHealth } from '../../core/senders/account-auth.js';
import { OAUTH2_SUBJECT, unresolved } from '../../core/credentials/references.js';
import type { StoredAccount } from '../../core/senders/ports.js';
import { providerAgent } from '../providers/http.js';
import { tokenEndpointSource, type TokenSource } from './token-endpoint.js';

/** Seconds a token endpoint may take. */
const TOKEN_TIMEOUT_SEC = 15;
/** A token is replaced this long before it expires (the token source renews at the same point). */
export const TOKEN_EARLY_MS = 60_000;

/** How a credential is read: `fresh` after the server refused it, `check` for an admin's test. */
export interface CredentialRead {
  fresh?: boolean;
  check?: boolean;
}

export type OAuth2Account = Pick<StoredAccount, 'id' | 'version' | 'address' | 'login' | 'auth' | 'clientSecretId' | 'refreshTokenId'>;


interface Entry {
  key: string;
  agent: Agent;
  source: TokenSource;
  health: TokenHealth;
  /** While true, the next request reads `clientSecretRef` bypassing the secret cache. */
  freshSecret: { on: boolean };
}

/** The token endpoint refused the client's secret (wrong, expired, or rotated since it was read). */
function clientRefused(err: unknown): boolean {
  return (err as { details?: { oauthError?: unknown } }).details?.oauthError === 'invalid_client';
}

/**
 * Access tokens for OAuth2 accounts (XOAUTH2 on SMTP and IMAP): one token source per account
 * version, fetching with the client-credentials grant (Microsoft 365 app access) or the
 * refresh-token grant (Google, delegated Microsoft, others), renewed before it expires. A
 * rotated refresh token in an answer replaces the stored one.
 */
export class AccountTokens {
  private entries = new Map<string, Entry>();

  constructor(
    private readonly deps: {
      repos: Repositories;
      /** Resolves `clientSecretRef` (internal:, vault: …) through the secret resolver; `fresh` bypasses its cache. */
      resolveRef: (ref: string, opts: { fresh: boolean }) => Promise<string>;
      now?: () => number;
    },
  ) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  private entryFor(account: OAuth2Account): Entry {
    const auth = account.auth as OAuth2Settings;
    const key = `${account.version}`;
    const have = this.entries.get(account.id);
    if (have && have.key === key) return have;
    if (have) void have.agent.close().catch(() => undefined);
    const grant = grantOf(account.refreshTokenId !== null);
    const agent = providerAgent({ caCertificate: auth.caCertificate, timeoutSec: TOKEN_TIMEOUT_SEC });
    const { repos } = this.deps;
    const freshSecret = { on: false };
    const source = tokenEndpointSource({
      agent,
      tokenUrl: tokenUrlOf(auth),
      timeoutSec: TOKEN_TIMEOUT_SEC,
      // Fixed for OAuth2 accounts: a timeout's hint names no setting to raise.
      timeoutSetting: null,
      what: auth.provider === 'microsoft' ? 'Microsoft identity platform' : auth.provider === 'google' ? "Google's token endpoint" : 'the token endpoint',
      now: () => this.now(),
      form: async () => {
        const secret = account.clientSecretId ? await repos.secrets.reveal(account.clientSecretId) : auth.clientSecretRef ? await this.deps.resolveRef(auth.clientSecretRef, { fresh: freshSecret.on }) : null;
        const scope = scopeOf(auth, grant);
        return {
          grant_type: grant,
          client_id: auth.clientId,
          ...(secret ? { client_secret: secret } : {}),
          ...(grant === 'refresh_token' ? { refresh_token: await repos.secrets.reveal(account.refreshTokenId!) } : {}),
          ...(scope ? { scope } : {}),
        };
      },
      // Microsoft and others may rotate the refresh token with each use: keep the newest.
      onRefreshToken: async (token) => {
        if (account.refreshTokenId) await repos.secrets.replace(account.refreshTokenId, token);
      },
    });
    const entry: Entry = { key, agent, source, freshSecret, health: { status: 'unknown', grant, expiresAt: null, checkedAt: null, error: null } };
    this.entries.set(account.id, entry);
    return entry;
  }

  /**
   * A valid access token and when to ask again. `fresh` drops the cached one first (the server
   * refused it); `check` fetches a new one and keeps the cached one if that fails (an admin's
   * Check token or Test connection: it shows what the provider says now, and costs no mail).
   */
  async token(account: OAuth2Account, opts: CredentialRead = {}): Promise<{ value: string; checkAfter: number }> {
    const auth = account.auth;
    const subject = `${OAUTH2_SUBJECT}${account.login ?? account.address}`;
    if (auth.type !== 'oauth2') throw unresolved(subject, 'the account does not use OAuth2');
    if (auth.provider === 'google' && !account.refreshTokenId) {
      throw unresolved(subject, 'no refresh token is stored', { hint: 'Google has no client-credentials grant for Gmail: connect the account (Connect with Google) or paste a refresh token.' });
    }
    // Without a refresh token the grant is client credentials, which only a confidential client
    // may use (RFC 6749 §4.4): without its secret a lenient endpoint may still hand out a token
    // for the app, and a check said "ok" for an account that had lost what it was set up with.
    if (!account.refreshTokenId && !account.clientSecretId && !auth.clientSecretRef) {
      throw unresolved(subject, 'neither a refresh token nor a client secret is stored', {
        hint: 'Connect the account (Connect) to store a refresh token, or give the client secret for the client-credentials grant. Changing the server or its IMAP settings clears both: give them again.',
      });
    }
    const entry = this.entryFor(account);
    if (opts.fresh) entry.source.forget();
    try {
      const value = await this.fetch(entry, subject, opts.check === true, auth.clientSecretRef !== null);
      const expiresAt = entry.source.expiresAt() ?? this.now();
      entry.health = { ...entry.health, status: 'ok', expiresAt, checkedAt: this.now(), error: null };
      return { value, checkAfter: expiresAt - TOKEN_EARLY_MS };
    } catch (err) {
      const e = err as Error & { details?: { hint?: string } };
      entry.health = { ...entry.health, status: 'error', checkedAt: this.now(), error: { message: e.message, ...(e.details?.hint ? { hint: e.details.hint } : {}) } };
      throw err;
    }
  }

  /**
   * The token; when the endpoint refuses a client secret read from a secret store, the
   * reference is read anew and the endpoint asked once more (the secret may have been rotated
   * there within the cache's lifetime: "rotation just works", as for passwords).
   */
  private async fetch(entry: Entry, subject: string, anew: boolean, secretFromRef: boolean): Promise<string> {
    try {
      return await entry.source.get(subject, { anew });
    } catch (err) {
      if (!secretFromRef || !clientRefused(err)) throw err;
      entry.freshSecret.on = true;
      try {
        return await entry.source.get(subject, { anew: true });
      } finally {
        entry.freshSecret.on = false;
      }
    }
  }

  health(account: OAuth2Account): TokenHealth | null {
    if (account.auth.type !== 'oauth2') return null;
    const have = this.entries.get(account.id);
    return have && have.key === `${account.version}` ? have.health : { status: 'unknown', grant: grantOf(account.refreshTokenId !== null), expiresAt: null, checkedAt: null, error: null };
  }

  async close(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => e.agent.close().catch(() => undefined)));
  }
}
