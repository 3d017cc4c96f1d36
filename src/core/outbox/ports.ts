import type { AttemptRoute } from './attempt-route.js';
import type { Attachment, MessageStatus, RecipientStatus } from './messages.js';

/** What the message row says about how it was routed (docs/api.md: routing { accountId, reason }). */
export interface MessageRouting {
  accountId: string | null;
  serverId: string | null;
  reason: string;
  reasonCode?: string;
  failoverAccountIds: string[];
}

/** One message as stored: the queue entry and the log entry. */
export interface MessageRecord {
  id: string;
  direction: 'out' | 'in';
  status: MessageStatus;
  purpose: string;
  priority: number;
  accountId: string | null;
  serverId: string | null;
  routing: MessageRouting;
  from: { name?: string; address: string };
  envelopeFrom: string;
  to: { name?: string; address: string }[];
  cc: { name?: string; address: string }[];
  bcc: { name?: string; address: string }[];
  replyTo: string | null;
  subject: string;
  text: string | null;
  html: string | null;
  headers: Record<string, string>;
  attachments: Attachment[];
  sizeBytes: number;
  idempotencyScope: string | null;
  idempotencyKey: string | null;
  /** The request's hash (requestHash()) when it came with an idempotency key: a reuse with another body is refused. Null (or absent) without a key and for messages older than this field. */
  requestHash?: string | null;
  sendAt: number;
  nextAttemptAt: number;
  expireAt: number;
  /** How long the message was accepted to live (expireAt − sendAt then); a retry grants it again. Null for messages older than this field. */
  lifetimeMs?: number | null;
  attemptCount: number;
  leaseOwner: string | null;
  leaseUntil: number | null;
  source: string;
  createdBy: string | null;
  lastError: string | null;
  messageIdHeader: string | null;
  sentAt: number | null;
  createdAt: number;
  updatedAt: number;
  /**
   * An attempt may have delivered the message although it did not end with the server's
   * acceptance (see the attempts' possibleDuplicate): a retry may deliver a second copy.
   */
  possibleDuplicate: boolean;
  /** Recipients refused for good; with status "sent" the message was partly delivered. */
  rejectedCount: number;
  /** What to change about the last attempt's failure, in plain words (connection refused, TLS not offered …). */
  lastHint: string | null;
  /** The template version and locale that rendered subject and bodies at accept time; null when the caller wrote them. */
  template: { key: string; version: number; locale: string } | null;
  /**
   * The message exactly as an application sent it over SMTP (the relay): sent as it is, with
   * Mailroom's own headers (`headers`) in front and DKIM. Null (or absent) when Mailroom
   * composes the message from the fields above.
   */
  raw?: Uint8Array | null;
  /** Inbound mail: whether an admin marked it read (bounces Mailroom acted on start read). */
  read: boolean;
  /** Inbound mail: what it is (mail, reply, bounce, auto_reply, complaint); null for outbound. */
  kind: InboundKind | null;
  /** Inbound mail: the outbound message it answers or bounces; null when none matched. */
  inReplyTo: string | null;
  /** Inbound replies: the new text, quoted message and signature removed; null otherwise. */
  replyText?: string | null;
  /** A confirmed test email: whether the account's own mailbox received it; null (or absent) otherwise. */
  confirmation?: StoredConfirmation | null;
}

/** What the store keeps of a test email's confirmation; "timeout" is derived (core/inbound/confirmation.ts). */
export type StoredConfirmation = 'pending' | 'confirmed' | 'bounced';

export const INBOUND_KINDS = ['mail', 'reply', 'bounce', 'auto_reply', 'complaint'] as const;
export type InboundKind = (typeof INBOUND_KINDS)[number];

export interface RecipientRecord {
  messageId: string;
  address: string;
  kind: 'to' | 'cc' | 'bcc';
  status: RecipientStatus;
  code: number | null;
  enhancedCode: string | null;
  response: string | null;
  updatedAt: number;
}

export interface AttemptRecord {
  id: string;
  messageId: string;
  at: number;
  durationMs: number;
  accountId: string | null;
  serverId: string | null;
  outcome: 'sent' | 'partial' | 'deferred' | 'failed' | 'logged';
  code: number | null;
  enhancedCode: string | null;
  response: string | null;
  /** Why the server may already hold the message after this attempt; null when it cannot. */
  possibleDuplicate: string | null;
  /** What to change, in plain words, for what stopped this attempt. */
  hint: string | null;
  /** Direct delivery: per recipient domain, the exchanger that answered and the TLS negotiated; null for a relay. */
  routes?: AttemptRoute[] | null;
}

export interface MessageFilter {
  status?: MessageStatus[];
  purpose?: string;
  accountId?: string;
  /** Text in the subject. */
  q?: string;
  /** A recipient address (any of to, cc, bcc). */
  recipient?: string;
  since?: number;
  until?: number;
  direction?: 'out' | 'in';
  /** Inbound mail read (true) or not (false). */
  read?: boolean;
  kind?: InboundKind;
}

export interface MessageQuery extends MessageFilter {
  limit: number;
  cursor?: string;
}

/** A claimed message with the recipients still to deliver. */
export interface ClaimedMessage extends MessageRecord {
  pending: RecipientRecord[];
  /** Recipients an earlier attempt already delivered to (not sent again). */
  acceptedBefore: number;
}

/** The outcome of one attempt, written at once (message, recipients, attempt row). */
export interface AttemptWrite {
  messageId: string;
  leaseOwner: string;
  status: MessageStatus;
  nextAttemptAt: number;
  attemptCount: number;
  lastError: string | null;
  sentAt: number | null;
  accountId: string | null;
  serverId: string | null;
  recipients: Pick<RecipientRecord, 'address' | 'status' | 'code' | 'enhancedCode' | 'response'>[];
  attempt: AttemptRecord | null;
  now: number;
}

export interface QueueStats {
  queued: number;
  deferred: number;
  sending: number;
  oldestDueAt: number | null;
}

/** The content a log page never shows: bodies, headers, attachments and the raw message (kilobytes to megabytes a row). */
export type MessageContentField = 'text' | 'html' | 'headers' | 'attachments' | 'raw' | 'replyText';
/** A message as a page of the log reads it: everything but its content. */
export type MessageListRecord = Omit<MessageRecord, MessageContentField>;

export interface MessageRepository {
  insert(message: MessageRecord, recipients: RecipientRecord[]): Promise<void>;
  findByIdempotencyKey(scope: string, key: string): Promise<MessageRecord | undefined>;
  get(id: string): Promise<MessageRecord | undefined>;
  /** Messages `ids` without their content, as a page reads them (a bulk action's chunk: hundreds, not thousands), in no particular order; ids not found are left out. */
  summaries(ids: readonly string[]): Promise<MessageListRecord[]>;
  recipients(id: string): Promise<RecipientRecord[]>;
  attempts(id: string): Promise<AttemptRecord[]>;
  list(query: MessageQuery): Promise<{ items: MessageListRecord[]; nextCursor: string | null }>;
  /**
   * Brings the subject search index up to date by at most `limit` messages; returns how many it
   * indexed (0: up to date, or the database keeps its index itself). A search never depends on
   * it: what is not indexed yet is read directly.
   */
  catchUpSearchIndex(limit: number): Promise<number>;
  /**
   * Looks at the next `limit` messages made before `before`, oldest first, after the id
   * `after` (from the start without it), and deletes those in one of `statuses` whose row last
   * changed before `before`, with their recipients, attempts, event links and search index
   * entries, in the caller's transaction. Returns how many it deleted, and the id to go on after
   * (null: nothing older is left to look at). PostgreSQL skips rows another transaction holds.
   */
  deleteFinished(o: { statuses: readonly MessageStatus[]; before: number; after?: string; limit: number }): Promise<{ deleted: number; next: string | null }>;
  /** Ids matching a filter (bulk retry/cancel), oldest first, at most `limit`; only those after the id `after` when given (where the previous call stopped). */
  ids(filter: MessageFilter, limit: number, after?: string): Promise<string[]>;
  /** How many of each status among the first `limit` messages matching a filter (oldest first). */
  countByStatus(filter: MessageFilter, limit: number): Promise<Partial<Record<MessageStatus, number>>>;
  /**
   * Claims up to `limit` due messages for `owner` until `leaseUntil`, most urgent first.
   * Concurrent workers never claim the same row (PostgreSQL: FOR UPDATE SKIP LOCKED).
   */
  claim(opts: { owner: string; now: number; leaseUntil: number; limit: number; /** Only messages of at least this priority (the dispatcher's urgent reserve). */ minPriority?: number }): Promise<ClaimedMessage[]>;
  /** Whether a message is due now, read without a transaction or lock (an idle poll asks before claiming). */
  anyDue(opts: { now: number; minPriority?: number }): Promise<boolean>;
  /** Returns claims whose lease ended (a crashed worker's) to the queue; the count returned. */
  releaseExpiredLeases(now: number): Promise<number>;
  /**
   * Returns `owner`'s claims except `keep` to the queue: a claim whose commit went through
   * while its answer was lost (a cut connection) leaves rows leased to a worker that does not
   * know it has them.
   */
  releaseLeasesOf(owner: string, keep: readonly string[], now: number): Promise<number>;
  /** Returns `owner`'s claims `ids` to the queue untouched (never attempted: the process is stopping); the count returned. */
  returnToQueue(owner: string, ids: readonly string[], now: number): Promise<number>;
  /** Extends `owner`'s leases on `ids` (attempts still running) to `leaseUntil`. */
  renewLeases(owner: string, ids: readonly string[], leaseUntil: number): Promise<number>;
  /** Writes an attempt's outcome if `leaseOwner` still holds the message; false otherwise. */
  completeAttempt(w: AttemptWrite): Promise<boolean>;
  /** Messages not yet final, by status, and when the longest-waiting due one became due (null: none is due). */
  queueStats(now: number): Promise<QueueStats>;
  /** Messages now failed or expired whose row last changed at or after `since` (when they ended, for a final status). */
  endedSince(since: number): Promise<{ failed: number; expired: number }>;
  /**
   * Moves messages `ids` (hundreds at most) to `patch.status`, each only while its status is one
   * of `from` (optimistic: concurrent changes lose cleanly); returns the ids that moved.
   * `resetRecipients` puts their non-accepted recipients back to pending (a manual retry).
   */
  transition(ids: readonly string[], from: readonly MessageStatus[], patch: { status: MessageStatus; nextAttemptAt?: number; expireAt?: number; lastError?: string | null; now: number; resetRecipients?: boolean }): Promise<string[]>;
}
