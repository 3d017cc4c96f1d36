import type { MessageRecord, StoredConfirmation } from '../outbox/ports.js';
import type { Suppression } from './suppressions.js';

/** The suppression list as the core needs it. */
export interface SuppressionRepository {
  list(query: { limit: number; cursor?: string; q?: string }): Promise<{ items: Suppression[]; nextCursor: string | null }>;
  get(address: string): Promise<Suppression | undefined>;
  /** Adds the entry unless the address is listed already (the first reason stays); true when it added. */
  add(s: Suppression): Promise<boolean>;
  /** Replaces an entry (an expired one being renewed). */
  replace(s: Suppression): Promise<void>;
  remove(address: string): Promise<boolean>;
  /** The entries among `addresses` (lower-cased) that apply at `now`. */
  active(addresses: readonly string[], now: number): Promise<Suppression[]>;
}

/** The cursor and state of one account's folder, as stored. */
export interface MailboxState {
  accountId: string;
  folder: string;
  uidValidity: string | null;
  lastUid: number;
  storedCount: number;
  quarantinedCount: number;
  /**
   * Messages read and not stored because the account has them already: the same Message-ID
   * (or, without one, the same bytes) and the same From, Date and Subject. A re-read after a
   * UIDVALIDITY change, or a copy in a second folder (receive.service.ts).
   */
  duplicateCount: number;
  state: 'idle' | 'syncing' | 'watching' | 'failing';
  lastSyncAt: number | null;
  lastError: string | null;
  failures: number;
  nextAttemptAt: number | null;
  leaseOwner: string | null;
  leaseUntil: number | null;
  updatedAt: number;
}

export interface MailboxRepository {
  list(accountId?: string): Promise<MailboxState[]>;
  get(accountId: string, folder: string): Promise<MailboxState | undefined>;
  /**
   * Takes (or renews) the reader's lease on a folder for `owner` until `leaseUntil` when nobody
   * else holds a live one; creates the row on first use. True when `owner` holds it now.
   */
  acquire(accountId: string, folder: string, owner: string, now: number, leaseUntil: number): Promise<boolean>;
  release(accountId: string, folder: string, owner: string): Promise<void>;
  /**
   * Moves the cursor to `uid` under `uidValidity` (a new UIDVALIDITY starts over from `uid`;
   * null while a first read is not finished), counting the message (stored, quarantined, or a
   * duplicate not stored again), if `owner` still holds the lease. False when the lease was lost.
   */
  advance(accountId: string, folder: string, owner: string, cursor: { uidValidity: string | null; uid: number; stored: number; quarantined: number; duplicates?: number }, now: number): Promise<boolean>;
  /** The reader's state for the UI: last sync, error, backoff. */
  report(accountId: string, folder: string, patch: Pick<MailboxState, 'state' | 'lastError' | 'failures' | 'nextAttemptAt'> & { lastSyncAt?: number }, now: number): Promise<void>;
  /** Forgets folders an account no longer reads (or a deleted account's). */
  prune(accountId: string, keepFolders: readonly string[]): Promise<void>;
  // The \Seen a reader owes (inbound_mailboxes.seen_owed_from, migration 032).
  /**
   * With "mark it read": the lowest UID the reader stored and has not confirmed marking \Seen
   * (the round in hand, or one a failure or a crash left unmarked); undefined when none is owed.
   */
  seenOwedFrom(accountId: string, folder: string): Promise<number | undefined>;
  /**
   * Records, before a round's first commit, that the messages it stores from `uid` on owe their
   * \Seen (an earlier UID owed already stays), if `owner` holds the lease. False when it was lost.
   */
  oweSeen(accountId: string, folder: string, owner: string, uid: number): Promise<boolean>;
  /** Nothing is owed any more (the STORE succeeded, or no mark is wanted), if `owner` holds the lease. False when it was lost. */
  seenSettled(accountId: string, folder: string, owner: string): Promise<boolean>;
}

/** What tells a received message from another with the same Message-ID (receive.service.ts). */
export type StoredInbound = Pick<MessageRecord, 'id' | 'from' | 'subject' | 'sentAt'>;

/** What the inbound side needs from the email log beyond the outbox's own port. */
export interface InboundMessageRepository {
  /**
   * Stores a received message, with the addresses the log's recipient filter finds it by
   * (addressees()), unless one with its Message-ID is stored for the account (false then).
   */
  insertInbound(message: MessageRecord): Promise<boolean>;
  /** The received message stored for the account under a Message-ID (messageIdHeader as stored). */
  inboundByMessageId(accountId: string, messageIdHeader: string): Promise<StoredInbound | undefined>;
  /** Outbound messages by their Message-ID header (with the angle brackets). */
  findOutboundByMessageIds(messageIds: readonly string[]): Promise<MessageRecord[]>;
  /** Inbound messages linked to an outbound one, oldest first. */
  linked(outboundId: string): Promise<MessageRecord[]>;
  setRead(id: string, read: boolean, now: number): Promise<boolean>;
  /** Inbound messages not yet read. */
  unreadCount(): Promise<number>;
  /**
   * Marks one recipient of an outbound message bounced with its status and diagnostic; the
   * message becomes `bounced` once no recipient is left that was delivered and not bounced.
   * A permanent failure (5.x.x) also replaces an earlier temporary one (4.x.x) of the recipient
   * (and the message's lastError where that showed it). False when nothing changed: the message
   * has no such recipient, or the bounce is the same news again (a second 4.x.x, anything after
   * a 5.x.x), which raises no event.
   */
  markBounced(messageId: string, address: string, status: { enhancedCode: string | null; code: number | null; response: string }, now: number): Promise<boolean>;
  /**
   * Settles a test email's confirmation ('confirmed' or 'bounced') if it is still pending (a
   * confirmed one stays confirmed; a message sent without one is left alone). True when it changed.
   */
  settleConfirmation(messageId: string, outcome: Exclude<StoredConfirmation, 'pending'>, now: number): Promise<boolean>;
  /** Soft (4.x.x) bounces recorded for an address since `since`. */
  softBouncesSince(address: string, since: number): Promise<number>;
}
