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
