import type { ClaimedMessage } from '../core/outbox/ports.js';

/** One attempt's message as a transport needs it: the stored row plus the recipients still to reach. */
export interface OutgoingMessage {
  message: ClaimedMessage;
  /** Envelope recipients for this attempt (pending or deferred ones only). */
  recipients: string[];
}
