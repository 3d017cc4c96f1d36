import type { MessageRecord, StoredConfirmation } from '../outbox/ports.js';

/**
 * A confirmed test email proves the whole loop: the account sent a message and its own mailbox,
 * read over IMAP, received it (or a bounce of it). Ten minutes is far longer than any healthy
 * delivery to oneself takes; after that the confirmation reads as "timeout" (derived, never
 * stored, so a late arrival still turns it into "confirmed").
 */
export const CONFIRMATION_TIMEOUT_MS = 10 * 60 * 1000;

export type Confirmation = StoredConfirmation | 'timeout';

/** The confirmation of a message as shown at `now`; null for a message sent without one. */
export function confirmationAt(m: Pick<MessageRecord, 'confirmation' | 'createdAt'>, now: number): Confirmation | null {
  const c = m.confirmation ?? null;
  if (c === 'pending' && now - m.createdAt > CONFIRMATION_TIMEOUT_MS) return 'timeout';
  return c;
}
