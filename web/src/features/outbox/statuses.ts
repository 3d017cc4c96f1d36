import type { MessageStatus } from '../../api.js';

/** Every status, and whether it is final: nothing more happens to the message unless someone retries it. */
const FINAL: Record<MessageStatus, boolean> = {
  queued: false,
  sending: false,
  deferred: false,
  sent: true,
  failed: true,
  expired: true,
  cancelled: true,
  logged: true,
  bounced: true,
  suppressed: true,
  // Received mail (the IMAP reader): nothing is ever sent for it.
  received: true,
  quarantined: true,
};

/** In the order the log's filter offers them. */
export const MESSAGE_STATUSES = Object.keys(FINAL) as MessageStatus[];

export const isFinal = (status: MessageStatus): boolean => FINAL[status];

/** When a message's page offers Retry, and when Cancel (the API decides in the end). */
export const RETRYABLE: readonly MessageStatus[] = ['failed', 'deferred', 'expired', 'cancelled'];
export const CANCELLABLE: readonly MessageStatus[] = ['queued', 'deferred'];
/** Ends in which recipients still waiting never got the message. */
export const NEVER_SENT: readonly MessageStatus[] = ['cancelled', 'expired'];

/**
 * What a message's Attempts card says while it has none. "Yet" only while an attempt is still to
 * come: on a message that will never be tried it would have an admin wait for nothing.
 */
const NO_ATTEMPT: Record<MessageStatus, string> = {
  queued: 'No attempt yet.',
  sending: 'No attempt yet.',
  deferred: 'No attempt yet.',
  sent: 'No attempt recorded.',
  bounced: 'No attempt recorded.',
  failed: 'No attempt: the message failed before any server was tried (see Recipients).',
  expired: 'No attempt: the message expired before it could be tried.',
  cancelled: 'No attempt: the message was cancelled before it was tried.',
  logged: 'No attempt: the log driver is active, so this message was stored, not sent.',
  suppressed: 'No attempt: every recipient is on the suppression list, so nothing is sent.',
  received: 'No attempt: received mail is stored, never sent.',
  quarantined: 'No attempt: received mail is stored, never sent.',
};

export const noAttemptWords = (status: MessageStatus): string => NO_ATTEMPT[status];
