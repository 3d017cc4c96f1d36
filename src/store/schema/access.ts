import type { Flag, Millis, JsonText } from './columns.js';

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
  /** 1 while the password is one someone else chose (generated or reset by an admin). */
  password_change_required: Flag;
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
  expires_at: Millis | null;
  /** The creator's email when the key was made: still shown after the user is deleted. */
  created_by_label: string | null;
}

/** Failed logins of one client ("ip:…") or email ("email:…") inside the window. */
export interface LoginThrottleTable {
  key: string;
  /** JSON list of epoch milliseconds, oldest first, at most the limit. */
  failures: JsonText;
  updated_at: Millis;
}

export interface AccessTables {
  users: UsersTable;
  sessions: SessionsTable;
  api_keys: ApiKeysTable;
  login_throttle: LoginThrottleTable;
}
