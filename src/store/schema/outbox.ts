import type { Flag, JsonText, Millis } from './columns.js';

/**
 * One row per message: the queue entry AND the email log entry (one source of truth).
 * Addresses are stored as the strict parser produced them; JSON columns are text.
 */
export interface MessagesTable {
  id: string;
  /** 'out' (sent by Mailroom) or 'in' (inbound, stored by the IMAP poller). */
  direction: string;
  status: string;
  purpose: string;
  /** Higher is sooner (two_factor before report). */
  priority: number;
  account_id: string | null;
  server_id: string | null;
  /** `{ accountId, reason, reasonCode, failoverAccountIds }` as chosen at submission. */
  routing: JsonText;
  /** The From header as a mailbox `{ name?, address }`, JSON. */
  from_addr: JsonText;
  /** The SMTP envelope sender (MAIL FROM). */
  envelope_from: string;
  to_addrs: JsonText;
  cc_addrs: JsonText;
  bcc_addrs: JsonText;
  reply_to: string | null;
  subject: string;
  text_body: string | null;
  html_body: string | null;
  /** Allow-listed custom headers, `{ name: value }`, JSON. */
  headers: JsonText;
  /** `[{ filename, contentType, contentBase64 }]`, JSON. */
  attachments: JsonText;
  /** Total size of bodies and attachments in bytes, for the log and limits. */
  size_bytes: number;
  /** Whose idempotency key this is (the principal's id); null when no key was given. */
  idempotency_scope: string | null;
  idempotency_key: string | null;
  /** SHA-256 (hex) of the request that came with the idempotency key; null without a key and before migration 025. */
  request_hash: string | null;
  send_at: Millis;
  next_attempt_at: Millis;
  expire_at: Millis;
  attempt_count: number;
  lease_owner: string | null;
  lease_until: Millis | null;
  /** 'api' | 'cli' | 'test' | 'smtp' | … : which entry point accepted it. */
  source: string;
  created_by: string | null;
  /** The last error in words, shown in the log list. */
  last_error: string | null;
  /** The Message-ID header given to the message. */
  message_id_header: string | null;
  sent_at: Millis | null;
  created_at: Millis;
  updated_at: Millis;
  /** 1 once an attempt may have delivered the message without Mailroom knowing (sticky). */
  possible_duplicate: Flag;
  /** Recipients refused for good (5xx); with status sent, the message was partly delivered. */
  rejected_count: number;
  /** What to change about the last attempt's failure, in plain words; null when none applies. */
  last_hint: string | null;
  /** The template that rendered subject and bodies at accept time (key, version, locale); null when the caller wrote them. */
  template_key: string | null;
  template_version: number | null;
  template_locale: string | null;
  /** The message as an application sent it over SMTP (the relay); null when Mailroom composes it. */
  raw_mime: Uint8Array | null;
  /** Inbound mail: 1 once an admin (or the reader, for bounces it handled) marked it read. */
  is_read: Flag;
  /** Inbound mail: 'mail' | 'reply' | 'bounce' | 'auto_reply' | 'complaint'; null for outbound. */
  kind: string | null;
  /** Inbound mail: the id of the outbound message it answers or bounces; null when none matched. */
  in_reply_to: string | null;
  /** Inbound replies: the new text, without the quoted message and signature. */
  reply_text: string | null;
  /** A confirmed test email: 'pending' | 'confirmed' | 'bounced'; null for every other message. */
  confirmation: string | null;
  /** expire_at − send_at when accepted (a retry's lifetime); null for messages accepted before migration 019. */
  lifetime_ms: Millis | null;
}

/** Each envelope recipient's own outcome (a 550 one is not retried while a 451 one is). */
export interface MessageRecipientsTable {
  message_id: string;
  address: string;
  /** 'to' | 'cc' | 'bcc' */
  kind: string;
  /** 'pending' | 'accepted' | 'deferred' | 'rejected' */
  status: string;
  code: number | null;
  enhanced_code: string | null;
  response: string | null;
  updated_at: Millis;
}

/** Every delivery attempt, with the server's reply. */
export interface AttemptsTable {
  id: string;
  message_id: string;
  at: Millis;
  duration_ms: number;
  account_id: string | null;
  server_id: string | null;
  /** 'sent' | 'partial' | 'deferred' | 'failed' | 'logged' */
  outcome: string;
  code: number | null;
  enhanced_code: string | null;
  response: string | null;
  /** Why the server may already hold the message after this attempt; null when it cannot. */
  possible_duplicate: string | null;
  /** What to change, in plain words, for what stopped this attempt; null when none applies. */
  hint: string | null;
  /** Direct delivery: JSON list of AttemptRoute (per domain: exchanger, address, TLS, reply); null for a relay. */
  routes: JsonText | null;
}

/**
 * SQLite only (migration 020): how far the subject search index has come. `upto` is the last
 * messages rowid indexed into message_subject_search (FTS5 over the folded subjects, migration
 * 028; reached through raw SQL).
 */
export interface SearchProgressTable {
  name: string;
  upto: number;
}

export interface OutboxTables {
  messages: MessagesTable;
  message_recipients: MessageRecipientsTable;
  attempts: AttemptsTable;
  search_progress: SearchProgressTable;
}
