import type { Repositories } from '../core/ports.js';
import type { FetchedSecret, ListedSecret, SecretProviderClient } from '../core/credentials/ports.js';
import type { ProviderCredentials, StoredSecretProvider } from '../core/credentials/providers.js';
import { parseSecretRef, unresolved, type ProviderKind, type SecretRef } from '../core/credentials/references.js';
import { ErrorCodes, isMailroomError } from '../core/kernel/errors.js';
import type { StoredAccount } from '../core/senders/ports.js';
import type { AdapterFactory, ProviderAdapter } from './providers/adapter.js';
import { readEnvRef, readFileRef } from './references.js';
import { AccountTokens, type CredentialRead, type OAuth2Account } from './oauth2/account-tokens.js';

/** env:, file: and internal: values are read again after this long (a rotation there is seen without an edit). */
export const LOCAL_RECHECK_MS = 60_000;

/** A secret value and when the holder should ask again (null: never, it is stored with the account). */
export interface SecretLease {
  value: string;
  checkAfter: number | null;
}


interface Cached {
  value: string;
  version: string | null;
  fetchedAt: number;
}

interface Logger {
  warn(obj: object, msg: string): void;
}

/**
 * Reads secret references: env and file now, internal secrets from the store, provider
 * references through one adapter per provider with a cache (TTL, then stale-if-error while
 * the provider fails). Values never reach a log line: only references, ages and errors.
 */
export class SecretResolver implements SecretProviderClient {
  private adapters = new Map<string, { version: number; adapter: ProviderAdapter }>();
  private cache = new Map<string, Cached>();

  constructor(
    private readonly deps: {
      repos: Repositories;
      factories: Record<ProviderKind, AdapterFactory>;
      logger: Logger;
      now?: () => number;
      env?: NodeJS.ProcessEnv;
      /** Mailroom's own files and directories (the data dir, the relay's TLS key): never read through file:. */
      ownPaths?: readonly string[];
    },
  ) {
    this.tokens = new AccountTokens({ repos: deps.repos, resolveRef: async (ref, o) => (await this.resolve(ref, { ...o, field: CLIENT_SECRET_REF })).value, now: () => this.now() });
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** OAuth2 access tokens of accounts that log in with XOAUTH2. */
  readonly tokens: AccountTokens;

  /**
   * The account's password (its stored secret, or its reference resolved) or, for an OAuth2
   * account, its access token; `fresh` bypasses the caches (the server refused the last one),
   * and so does `check` (an admin's connection test reads what the provider holds now), which
   * keeps a cached token or value for the senders when the read fails.
   */
  readonly password = async (account: Pick<StoredAccount, 'passwordSecretId' | 'passwordRef'> & Partial<OAuth2Account>, opts: CredentialRead = {}): Promise<SecretLease | undefined> => {
    if (account.auth?.type === 'oauth2') return this.tokens.token(account as OAuth2Account, opts);
    if (account.passwordSecretId) return { value: await this.deps.repos.secrets.reveal(account.passwordSecretId), checkAfter: null };
    if (!account.passwordRef) return undefined;
    // A provider read that bypasses the cache never drops it on failure: stale-if-error stays.
    return this.resolve(account.passwordRef, { fresh: opts.fresh === true || opts.check === true });
  };

  /** A secret stored in Mailroom (an OAuth2 client secret). */
  revealStored(secretId: string): Promise<string> {
    return this.deps.repos.secrets.reveal(secretId);
  }

  /** Reads a reference; `field` is the account field it was saved in (passwordRef unless said), for messages. */
  async resolve(text: string, opts: { fresh?: boolean; field?: string } = {}): Promise<SecretLease> {
    const ref = storedRef(text, opts.field ?? 'passwordRef');
    const now = this.now();
    switch (ref.kind) {
      case 'env':
        return { value: readEnvRef(text, ref.name, this.deps.env ?? process.env), checkAfter: now + LOCAL_RECHECK_MS };
      case 'file':
        return { value: await readFileRef(text, ref.path, this.deps.ownPaths), checkAfter: now + LOCAL_RECHECK_MS };
      case 'internal': {
        const s = await this.deps.repos.namedSecrets.get(ref.name);
        if (!s) throw unresolved(text, `there is no internal secret "${ref.name}"`, { hint: 'Create it under Secrets, or point the account at another one.' });
        return { value: await this.deps.repos.secrets.reveal(s.secretId), checkAfter: now + LOCAL_RECHECK_MS };
      }
      default:
        return this.resolveAtProvider(text, ref.providerId, opts.fresh === true);
    }
  }

  private async resolveAtProvider(text: string, providerId: string, fresh: boolean): Promise<SecretLease> {
    const provider = await this.deps.repos.secretProviders.get(providerId);
    if (!provider) throw unresolved(text, `there is no secret provider ${providerId}`, { hint: 'The provider was deleted: point the account at another one.' });
    const { cacheTtlSec, staleIfErrorSec } = provider.config;
    const ttl = cacheTtlSec * 1000;
    const key = `${provider.id}@${provider.version} ${text}`;
    const hit = this.cache.get(key);
    const now = this.now();
    if (hit && !fresh && now - hit.fetchedAt < ttl) return { value: hit.value, checkAfter: hit.fetchedAt + ttl };
    try {
      const got = await this.fetch(provider, text);
      this.cache.set(key, { value: got.value, version: got.version, fetchedAt: this.now() });
      return { value: got.value, checkAfter: this.now() + ttl };
    } catch (err) {
      const age = hit ? now - hit.fetchedAt : 0;
      // Stale-if-error: the provider being down does not stop mail while the value is young enough.
      if (hit && !fresh && age < staleIfErrorSec * 1000) {
        this.deps.logger.warn({ ref: text, providerId, ageSec: Math.round(age / 1000), staleIfErrorSec, err: (err as Error).message }, 'secret provider failed: using the cached value until it expires');
        return { value: hit.value, checkAfter: Math.min(hit.fetchedAt + staleIfErrorSec * 1000, now + ttl) };
      }
      if (hit && !fresh) {
        this.cache.delete(key);
        const e = err as Error & { details?: Record<string, unknown> };
        e.message += ` (the cached value, read ${Math.round(age / 1000)} s ago, expired: staleIfErrorSec is ${staleIfErrorSec})`;
      }
      throw err;
    }
  }

  private async adapterFor(provider: StoredSecretProvider): Promise<ProviderAdapter> {
    const have = this.adapters.get(provider.id);
    if (have && have.version === provider.version) return have.adapter;
    if (have) void have.adapter.close().catch(() => undefined);
    const adapter = await this.newAdapter(provider);
    this.adapters.set(provider.id, { version: provider.version, adapter });
    return adapter;
  }

  private async newAdapter(provider: StoredSecretProvider): Promise<ProviderAdapter> {
    if (!provider.credentialsSecretId) throw unresolved(`${provider.kind}:${provider.id}`, 'the provider has no credentials', { hint: 'Save its credentials again.' });
    const credentials = JSON.parse(await this.deps.repos.secrets.reveal(provider.credentialsSecretId)) as ProviderCredentials;
    return this.deps.factories[provider.kind](provider, credentials);
  }

  /** Reads through the senders' adapter: its sign-in (token, AppRole login) is reused while valid. */
  private async fetch(provider: StoredSecretProvider, text: string): Promise<FetchedSecret> {
    const ref = parseSecretRef('reference', text);
    return (await this.adapterFor(provider)).fetch(ref, text);
  }

  /**
   * The provider's Test: signs in anew (an Azure token, a Vault AppRole login, a Vault token
   * looked up again) through an adapter of its own, then reads the secret. The senders' adapter
   * kept a token that was still valid, so a client secret revoked at the identity platform or
   * an AppRole secret id deleted in Vault passed the Test until that token expired (an hour).
   * The senders' sign-in and cached values are left alone: mail goes on while the token lasts.
   */
  async check(provider: StoredSecretProvider, text: string): Promise<FetchedSecret> {
    const ref = parseSecretRef('reference', text);
    const adapter = await this.newAdapter(provider);
    try {
      return await adapter.fetch(ref, text);
    } finally {
      void adapter.close().catch(() => undefined);
    }
  }

  async list(provider: StoredSecretProvider, prefix: string): Promise<ListedSecret[]> {
    const adapter = await this.adapterFor(provider);
    return adapter.list ? adapter.list(prefix) : [];
  }

  forget(providerId: string): void {
    const have = this.adapters.get(providerId);
    if (have) void have.adapter.close().catch(() => undefined);
    this.adapters.delete(providerId);
    for (const k of [...this.cache.keys()]) if (k.startsWith(`${providerId}@`)) this.cache.delete(k);
  }

  async close(): Promise<void> {
    await this.tokens.close();
    const all = [...this.adapters.values()];
    this.adapters.clear();
    this.cache.clear();
    await Promise.all(all.map((a) => a.adapter.close().catch(() => undefined)));
  }
}

/** The account field an OAuth2 client secret's reference is saved in. */
export const CLIENT_SECRET_REF = 'auth.clientSecretRef';

/**
 * A saved reference, parsed by today's rules. One an earlier version accepted and these refuse
 * (a reference to Mailroom's own secrets, a file under /proc) is never read: the account cannot
 * get its secret until it is changed, which the error says (a secret error: the message is
 * deferred, the connection test fails), rather than a validation error of a request nobody made.
 */
function storedRef(text: string, field: string): SecretRef {
  try {
    return parseSecretRef(field, text);
  } catch (err) {
    if (!isMailroomError(err) || err.code !== ErrorCodes.VALIDATION) throw err;
    throw unresolved(text, err.message, { hint: `This reference was saved by an earlier version and is refused now: change the account's ${field}.` });
  }
}
