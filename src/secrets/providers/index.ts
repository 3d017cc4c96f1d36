import type { ProviderKind } from '../../core/credentials/references.js';
import type { AdapterFactory } from './adapter.js';
import { azureKeyVaultAdapter } from './azure-keyvault.js';
import { cyberArkAdapter } from './cyberark.js';
import { vaultAdapter } from './vault.js';

/** The adapter for each provider kind. */
export const secretProviderAdapters: Record<ProviderKind, AdapterFactory> = {
  'azure-keyvault': azureKeyVaultAdapter,
  cyberark: cyberArkAdapter,
  vault: (provider, credentials) => vaultAdapter(provider, credentials),
};
