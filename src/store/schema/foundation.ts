/** Booleans are stored as 0/1 integers in both dialects so one schema serves both. */
export type Flag = number;
/** Timestamps are epoch milliseconds (BIGINT on PostgreSQL). */
export type Millis = number;
/** JSON documents are stored as text in both dialects. */
export type JsonText = string;

export interface UsersTable {
  id: string;
  email: string;
  name: string | null;
  role: string;
  password_hash: string;
  disabled: Flag;
  created_at: Millis;
  updated_at: Millis;
  version: number;
}

export interface SessionsTable {
  token_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: Millis;
  expires_at: Millis;
  ip: string | null;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  key_hash: string;
  prefix: string;
  scopes: JsonText;
  allow_override: Flag;
  created_by: string | null;
  created_at: Millis;
  last_used_at: Millis | null;
  revoked_at: Millis | null;
}

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
  active: Flag;
  owner_id: string | null;
  source: string;
  overridden: JsonText;
  rate_limit: JsonText | null;
  created_at: Millis;
  updated_at: Millis;
  version: number;
}

export interface SettingsTable {
  key: string;
  value: JsonText;
  updated_at: Millis;
  updated_by: string | null;
}

export interface AuditTable {
  id: string;
  at: Millis;
  actor: string;
  action: string;
  target_type: string;
  target_id: string | null;
  before: JsonText | null;
  after: JsonText | null;
  ip: string | null;
}

export interface FoundationTables {
  users: UsersTable;
  sessions: SessionsTable;
  api_keys: ApiKeysTable;
  secrets: SecretsTable;
  servers: ServersTable;
  accounts: AccountsTable;
  settings: SettingsTable;
  audit: AuditTable;
}
