import type { Flag, Millis, JsonText } from './columns.js';

export interface SecretsTable {
  id: string;
  key_id: string;
  ciphertext: string;
  created_at: Millis;
  updated_at: Millis;
}

export interface ServersTable {
  id: string;
  name: string;
  /** The whole validated server document (smtp, imap, retry, rateLimit) as JSON. */
  config: JsonText;
  source: string;
  /** Names of env-sourced fields the admin has overridden, as a JSON array. */
  overridden: JsonText;
  created_at: Millis;
  updated_at: Millis;
  version: number;
}

export interface AccountsTable {
  id: string;
  server_id: string;
  address: string;
  login: string | null;
  from_name: string | null;
  reply_to: string | null;
  /** Allowed From identities beyond `address`: addresses or `@domain`, JSON array. */
  aliases: JsonText;
  password_secret_id: string | null;
  password_ref: string | null;
  /** OAuth2 settings (JSON, no secret); null: password. */
  auth: JsonText | null;
  auth_client_secret_id: string | null;
  auth_refresh_token_id: string | null;
  active: Flag;
  owner_id: string | null;
  source: string;
  overridden: JsonText;
  rate_limit: JsonText | null;
  /** `{ enabled, folders, afterProcessing, moveTo? }`, JSON; null when the account is not read. */
  inbound: JsonText | null;
  created_at: Millis;
  updated_at: Millis;
  version: number;
}

export interface DkimKeysTable {
  /** Lower-case ASCII (punycode) sender domain. */
  domain: string;
  selector: string;
  private_key_secret_id: string;
  /** Base64 SubjectPublicKeyInfo DER: the p= value of the DNS record. */
  public_key: string;
  key_bits: number;
  /** "generated" or "imported". */
  source: string;
  created_at: Millis;
  updated_at: Millis;
  version: number;
}

export interface SendersTables {
  secrets: SecretsTable;
  servers: ServersTable;
  accounts: AccountsTable;
  dkim_keys: DkimKeysTable;
}
