import { createHash } from 'node:crypto';

/** The Message-ID column's width (messages.message_id_header is varchar(400)). */
export const MESSAGE_ID_MAX = 400;

/**
 * The Message-ID a received message is stored under. Anyone can write a Message-ID of any
 * length; one longer than the column (PostgreSQL refused the row, so the message was
 * quarantined there and a bounce in it missed, while SQLite stored it) is stored as a short form
 * derived from it alone: `<` 40 hex digits of its SHA-256 `@long-message-id.mailroom.invalid>`.
 * Derived from the id, not from the bytes (as a message without one is): a copy of the message
 * in a second folder, or read again with other trace fields, is still the same message, and a
 * different message reusing the id is still told apart by its From, Date and Subject
 * (message-id-reuse.ts). The message's `headers` keep the Message-ID as written. No reply or
 * bounce is matched by a received message's own Message-ID (only a confirmed test email is, and
 * Mailroom's own ids are short), so nothing that matters is lost.
 */
export function storedMessageId(messageId: string): string {
  if (messageId.length <= MESSAGE_ID_MAX) return messageId;
  return `<${createHash('sha256').update(messageId).digest('hex').slice(0, 40)}@long-message-id.mailroom.invalid>`;
}

/** The envelope_from column's width (varchar(320), RFC 5321's longest path). */
const ENVELOPE_FROM_MAX = 320;

/**
 * The Return-Path as the log stores it: an address longer than the column (no real one is) is
 * not kept there (cut, it would be another address); the message's `headers` keep it as written.
 * Only the record: whether the message comes from the null sender is decided on the parsed
 * Return-Path (plain-bounce.ts), which this leaves alone.
 */
export function storedEnvelopeFrom(returnPath: string | null): string {
  return returnPath && returnPath.length <= ENVELOPE_FROM_MAX ? returnPath : '';
}
