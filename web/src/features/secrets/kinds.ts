import type { ProviderKind } from '../../api.js';

/** What the UI says about each provider kind, and the reference shape after the provider id. */
export const KINDS: Record<ProviderKind, { label: string; refHint: string; placeholder: string; canList: boolean }> = {
  'azure-keyvault': { label: 'Azure Key Vault', refHint: 'secret name, optionally /version', placeholder: 'smtp-password', canList: true },
  cyberark: { label: 'CyberArk (CCP)', refHint: 'safe/object', placeholder: 'MailSafe/smtp-relay', canList: false },
  vault: { label: 'HashiCorp Vault', refHint: 'path#field (KV version 2)', placeholder: 'mail/smtp#password', canList: true },
};

export const KIND_ORDER: ProviderKind[] = ['azure-keyvault', 'cyberark', 'vault'];
