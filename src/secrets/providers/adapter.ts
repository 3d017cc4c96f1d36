import type { FetchedSecret, ListedSecret } from '../../core/credentials/ports.js';
import type { ProviderCredentials, StoredSecretProvider } from '../../core/credentials/providers.js';
import type { SecretRef } from '../../core/credentials/references.js';
import { unresolved } from '../../core/credentials/references.js';

/**
 * One configured provider, talking its service's REST protocol: holds its connection pool
 * and its access token (fetched, cached and renewed here), never a secret value.
 */
export interface ProviderAdapter {
  fetch(ref: SecretRef, text: string): Promise<FetchedSecret>;
  list?(prefix: string): Promise<ListedSecret[]>;
  close(): Promise<void>;
}

export type AdapterFactory = (provider: StoredSecretProvider, credentials: ProviderCredentials) => ProviderAdapter;

/**
 * The provider answered, but not with the secret: its status and words, and what usually causes
 * it. `detail` is the provider's words as excerpt() gives them with the adapter's own credentials
 * (token, client secret, client key, the access token in use) hidden: a provider may quote them.
 */
export function refused(ref: string, what: string, status: number, detail: string, hint: string): Error {
  return unresolved(ref, `${what} answered ${status}${detail ? `: ${detail}` : ''}`, { status, hint });
}

/** Reads one string field of a JSON answer, or reports the answer's shape as the problem. */
export function stringAt(ref: string, value: unknown, what: string): string {
  if (typeof value !== 'string') throw unresolved(ref, `${what} is not a string in the provider's answer`, { hint: 'The secret exists but holds no text at that place: check the field or object name.' });
  return value;
}
