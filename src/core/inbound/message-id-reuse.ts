import { createHash } from 'node:crypto';
import type { MessageRecord } from '../outbox/ports.js';
import type { StoredInbound } from './ports.js';
import { MESSAGE_ID_MAX } from './stored-message-id.js';

/**
 * Received mail is stored once per account and Message-ID (the unique index of migration 015),
 * so that a folder read again (a UIDVALIDITY change) or a copy in a second folder is not stored,
 * announced and acted on twice. But anyone can write any Message-ID: a different message that
 * reuses one already stored (a careless sender, or one who means to keep a later message out of
 * the log) must not vanish. What tells them apart is what a copy of the same message keeps and
 * another message would not: its From, Date and Subject, as parsed (the stored row has them; no
 * hash of the bytes, which a second delivery of the same message changes with its Received
 * fields). Without a Message-ID the id is a hash of the bytes already: the same id is the same message.
 */
export type Sameness = Pick<MessageRecord, 'from' | 'sentAt' | 'subject'>;

export function sameMessage(stored: StoredInbound, r: Sameness): boolean {
  return stored.from.address.toLowerCase() === r.from.address.toLowerCase() && stored.sentAt === r.sentAt && stored.subject === r.subject;
}

/**
 * The id another message reusing a stored Message-ID is stored under: the Message-ID, `#` and
 * 16 hex digits of its From, Date and Subject. The same message read again derives the same id
 * (and is then a duplicate of itself); a third message with the id derives its own.
 */
export function derivedMessageId(messageId: string, r: Sameness): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([r.from.address.toLowerCase(), r.sentAt, r.subject]))
    .digest('hex')
    .slice(0, 16);
  return `${messageId.slice(0, MESSAGE_ID_MAX - digest.length - 1)}#${digest}`;
}
