import type { Generated } from 'kysely';
import type { Millis } from './columns.js';

/** The durable cursor and the reader's state per account and folder (one reader holds the lease). */
export interface InboundMailboxesTable {
  account_id: string;
  folder: string;
  /** The folder's UIDVALIDITY when last_uid was stored (text: up to 2^32, kept exact on both dialects). */
  uid_validity: string | null;
  /** The highest UID stored or quarantined under uid_validity. */
  last_uid: number;
  stored_count: number;
  quarantined_count: number;
  /** Messages read again and not stored a second time: their Message-ID (or bytes) was stored already (migration 030). */
  duplicate_count: Generated<number>;
  /**
   * With "mark it read": the lowest UID stored whose \Seen the reader has not confirmed yet (set
   * before a round's first commit, cleared once its STORE succeeded); null when none is owed
   * (migration 032). The catch-up after a failed sync marks from here, never mail stored before.
   */
  seen_owed_from: number | null;
  /** 'idle' | 'syncing' | 'watching' | 'failing' */
  state: string;
  last_sync_at: Millis | null;
  last_error: string | null;
  /** Consecutive failures (the backoff grows with them); 0 after a good sync. */
  failures: number;
  next_attempt_at: Millis | null;
  lease_owner: string | null;
  lease_until: Millis | null;
  updated_at: Millis;
}

/** An address later sends skip, why, and where the decision came from. */
export interface SuppressionsTable {
  /** Lower-cased address. */
  address: string;
  /** 'hard_bounce' | 'soft_bounce' | 'complaint' | 'manual' */
  reason: string;
  /** The bounce's status and diagnostic, or the admin's note. */
  detail: string | null;
  /** The inbound message (bounce, complaint) that caused it. */
  source_message_id: string | null;
  created_by: string;
  created_at: Millis;
  expires_at: Millis | null;
}

/**
 * The addresses a received message names in To and Cc (migration 030), lower-cased with the
 * domain in ASCII (core/inbound/addressees.ts): what the log's recipient filter finds received
 * mail by. Not message_recipients, which holds the outbox's envelope recipients and is read by
 * delivery, bounces, retries and statistics.
 */
export interface ReceivedAddresseesTable {
  message_id: string;
  address: string;
}

export interface InboundTables {
  inbound_mailboxes: InboundMailboxesTable;
  suppressions: SuppressionsTable;
  received_addressees: ReceivedAddresseesTable;
}
