import type { JsonText, Millis } from './columns.js';

/** A vault Mailroom reads secrets from; its credentials are a row of `secrets` (encrypted JSON). */
export interface SecretProvidersTable {
  id: string;
  name: string;
  /** azure-keyvault | cyberark | vault */
  kind: string;
  /** The kind's settings (URLs, ids, certificates, cache), JSON; never a credential. */
  config: JsonText;
  credentials_secret_id: string | null;
  /** The credential field names stored, JSON (what the UI says is set). */
  credentials_set: JsonText;
  created_at: Millis;
  updated_at: Millis;
  version: number;
}

/** An internal named secret (`internal:<name>`); the value is a row of `secrets`. */
export interface NamedSecretsTable {
  name: string;
  description: string | null;
  secret_id: string;
  created_at: Millis;
  updated_at: Millis;
  rotated_at: Millis;
  version: number;
}

export interface SecretsTables {
  secret_providers: SecretProvidersTable;
  named_secrets: NamedSecretsTable;
}
