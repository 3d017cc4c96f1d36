import type { VersionedRepository } from '../kernel/versioned-repository.js';
import type { StoredNamedSecret } from './named-secrets.js';
import type { StoredSecretProvider } from './providers.js';

/** Secret providers in storage; their credentials are a secret id (SecretRepository). */
export type SecretProviderRepository = VersionedRepository<StoredSecretProvider>;

/** Internal named secrets; the value is a secret id (SecretRepository). */
export type NamedSecretRepository = VersionedRepository<StoredNamedSecret>;

/** What a provider answered for one secret: the value and, when the provider versions secrets, its version. */
export interface FetchedSecret {
  value: string;
  version: string | null;
}

/** A name the account form's picker can offer, with the reference that reads it. */
export interface ListedSecret {
  name: string;
  /** The reference to store (null for a folder). */
  reference: string | null;
  /** A folder to open (Vault paths), not a secret. */
  folder: boolean;
}

/**
 * Reads secrets from the providers (adapters in src/secrets). The core asks for a provider
 * test and a listing; sending resolves through the same adapter's cache.
 */
export interface SecretProviderClient {
  /** Signs in anew and fetches now, bypassing every cache (the provider test). */
  check(provider: StoredSecretProvider, ref: string): Promise<FetchedSecret>;
  /** What the provider holds under `prefix`, where its API can list. */
  list(provider: StoredSecretProvider, prefix: string): Promise<ListedSecret[]>;
  /** Forgets cached values and tokens of a provider that changed or went away. */
  forget(providerId: string): void;
}
