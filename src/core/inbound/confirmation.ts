import type { MessageRecord, StoredConfirmation } from '../outbox/ports.js';

/**
 * A confirmed test email proves the whole loop: the account sent a message and its own mailbox,
 * read over IMAP, received it (or a bounce of it). Ten minutes is far longer than any healthy
 * delivery to oneself takes; after that the confirmation reads as "timeout" (derived, never
 * stored, so a late arrival still turns it into "confirmed").
 */
export const CONFIRMATION_TIMEOUT_MS = 10 * 60 * 1000;

/**
 * As stored, or derived when shown: `timeout` (pending for too long), `reader_failing` (pending
 * while the account's IMAP reader fails: nothing can confirm it until the reader reads again).
 */
export type Confirmation = StoredConfirmation | 'timeout' | 'reader_failing';

/** Why accounts' test emails cannot be confirmed now: their failing IMAP readers' errors in words, by account id. */
export type ReaderTrouble = ReadonlyMap<string, string>;

export const NO_READER_TROUBLE: ReaderTrouble = new Map();

/** A message's confirmation as shown at `now`, and why it cannot be confirmed (null unless `reader_failing`). */
export interface ConfirmationNow {
  confirmation: Confirmation | null;
  confirmationError: string | null;
}

/**
 * The confirmation of a message as shown at `now`; null for a message sent without one. A
 * pending one whose account's reader is failing says so at once, whatever its age: "timeout"
 * would only say that it did not arrive, not why.
 */
export function confirmationAt(m: Pick<MessageRecord, 'confirmation' | 'createdAt' | 'accountId'>, now: number, trouble: ReaderTrouble = NO_READER_TROUBLE): ConfirmationNow {
  const c = m.confirmation ?? null;
  if (c !== 'pending') return { confirmation: c, confirmationError: null };
  const failing = m.accountId === null ? undefined : trouble.get(m.accountId);
  if (failing !== undefined) return { confirmation: 'reader_failing', confirmationError: failing };
  return { confirmation: now - m.createdAt > CONFIRMATION_TIMEOUT_MS ? 'timeout' : 'pending', confirmationError: null };
}
