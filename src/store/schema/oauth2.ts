import type { Millis } from './columns.js';

/** A "Connect" sign-in (migration 029): hashes and an encrypted verifier, never the state, the browser's key or the verifier in clear. */
export interface OAuth2SignInsTable {
  /** SHA-256 (hex) of the `state` the provider sends back: the way back looks the sign-in up by it. */
  state_hash: string;
  account_id: string;
  /** The account's version at Connect: a token for settings changed since is not stored. */
  account_version: number;
  /** The PKCE verifier, a row of `secrets`; null once the sign-in is spent or expired. */
  verifier_secret_id: string | null;
  redirect_uri: string;
  /** Who pressed Connect (ConnectStarter: label, ip, principal), JSON. */
  started_by: string;
  /** SHA-256 (hex) of the key the browser that pressed Connect holds in a cookie. */
  browser_key_hash: string;
  created_at: Millis;
  expires_at: Millis;
  /** When a way back spent it (a code exchanged, a refusal); null while it is open. */
  spent_at: Millis | null;
}

/** The last Connect outcome per account, for its page (GET /accounts/:id/oauth2 `lastConnect`). */
export interface OAuth2LastConnectsTable {
  account_id: string;
  /** connected | failed */
  outcome: string;
  reason: string | null;
  message: string;
  hint: string | null;
  at: Millis;
}

export interface OAuth2Tables {
  oauth2_sign_ins: OAuth2SignInsTable;
  oauth2_last_connects: OAuth2LastConnectsTable;
}
