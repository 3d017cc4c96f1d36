import type { Flag, JsonText, Millis } from './columns.js';

/** One application's SMTP login on the relay, with what it may send. */
export interface SmtpCredentialsTable {
  id: string;
  name: string;
  username: string;
  /** 'password' (AUTH PLAIN/LOGIN after TLS) or 'client-ip' (the client's address is the login). */
  authentication: string;
  /** SHA-256 of the generated password (hex); null for client-ip credentials. */
  password_hash: string | null;
  /** `["app@example.com", "@example.com"]`, JSON. */
  allowed_from: JsonText;
  purpose: string | null;
  account_id: string | null;
  max_message_bytes: number;
  max_recipients: number;
  per_minute: number | null;
  /** Addresses and CIDRs the client may connect from, JSON; empty = any. */
  allowed_ips: JsonText;
  enabled: Flag;
  created_by: string | null;
  created_at: Millis;
  updated_at: Millis;
  last_used_at: Millis | null;
  password_rotated_at: Millis | null;
  version: number;
}

/** A command or session the relay refused, for the admin UI (bounded: see relay-rejections). */
export interface RelayRejectionsTable {
  id: string;
  at: Millis;
  client_ip: string | null;
  credential_id: string | null;
  /** The username a client tried (AUTH), cut and cleaned; never a password. */
  username: string | null;
  /** connect | auth | mail | rcpt | data | protocol */
  stage: string;
  code: number;
  /** The reply Mailroom sent, e.g. "550 5.7.1 sender x@y is not allowed …". */
  reply: string;
}

export interface RelayTables {
  smtp_credentials: SmtpCredentialsTable;
  relay_rejections: RelayRejectionsTable;
}
