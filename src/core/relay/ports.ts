import type { VersionedRepository } from '../kernel/versioned-repository.js';
import type { StoredSmtpCredential } from './credentials.js';

/** What the relay needs from storage: the credentials and the sessions it refused. */
export interface SmtpCredentialRepository extends VersionedRepository<StoredSmtpCredential> {
  findByUsername(username: string): Promise<StoredSmtpCredential | undefined>;
  touch(id: string, at: number): Promise<void>;
  /** The credentials whose `field` is `value` (the account or purpose a delete must not pull from under them), in name order. */
  naming(field: 'accountId' | 'purpose', value: string): Promise<StoredSmtpCredential[]>;
}

/** Where a refusal happened in the SMTP session. */
export type RejectionStage = 'connect' | 'auth' | 'mail' | 'rcpt' | 'data' | 'protocol';

export interface RelayRejection {
  id: string;
  at: number;
  clientIp: string | null;
  credentialId: string | null;
  /** The username a client tried (cut and cleaned), never a password. */
  username: string | null;
  stage: RejectionStage;
  code: number;
  /** The reply the client got. */
  reply: string;
}

export interface RelayRejectionRepository {
  insert(r: RelayRejection): Promise<void>;
  /** Newest first; the cursor is the id of the last item of the previous page. */
  list(query: { limit: number; cursor?: string; credentialId?: string }): Promise<{ items: RelayRejection[]; nextCursor: string | null }>;
  /** Forgets refusals older than `before`; returns how many. */
  prune(before: number): Promise<number>;
}

/** The headers of a message, as the relay's header reader (mailparser) decoded them. */
export interface MessageHeaders {
  subject: string | null;
  /** Every mailbox of every From field; an entry without a usable address has address ''. */
  from: { name?: string; address: string }[];
  sender: { name?: string; address: string }[];
  /** How many From and Sender fields the header block has: RFC 5322 allows one of each. */
  fromFields: number;
  senderFields: number;
  to: { name?: string; address: string }[];
  cc: { name?: string; address: string }[];
  /** The Message-ID as written ("<id@host>"), or null when there is none. */
  messageId: string | null;
  hasDate: boolean;
  hasBcc: boolean;
}

/**
 * The largest header block the relay takes, in bytes (its lines and their CRLFs, without the
 * empty line before the body): mailparser's own limit for the header of a MIME part (1 MiB).
 * A larger header can never be read, so it is refused for good (552), never a 4xx the client
 * would retry forever.
 */
export const MAX_HEADER_BYTES = 1024 * 1024;

/**
 * Reads a message's header block (the adapter uses mailparser: no hand-written MIME parser).
 * It reads any block of up to MAX_HEADER_BYTES; the core refuses larger ones before calling it.
 */
export interface MimeHeaderReader {
  read(headerBlock: Uint8Array): Promise<MessageHeaders>;
}
