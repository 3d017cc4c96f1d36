/**
 * The message-events port: everything that happens to a message is published here once its
 * row is committed. The dispatcher wakes on it, metrics count from it, and webhooks, rules,
 * the relay and the inbound reader plug into it, so no entry point reaches into a worker.
 *
 * Delivery to subscribers is in-process and best effort: an event is a signal, the database
 * stays the record. A subscriber that throws (or whose promise rejects) is reported through
 * `onError` and never reaches the publisher, so it cannot lose or block a message.
 */

/** What happened; `message.attempted` is one delivery attempt, whatever its outcome. */
export type MessageEventType =
  | 'message.accepted'
  | 'message.claimed'
  | 'message.attempted'
  | 'message.sent'
  | 'message.deferred'
  | 'message.failed'
  | 'message.expired'
  | 'message.logged'
  | 'message.cancelled'
  | 'message.retried'
  | 'message.suppressed'
  | 'message.bounced'
  | 'message.received'
  | 'message.replied';

interface EventBase {
  messageId: string;
  /** When it happened (the clock of the process that committed it). */
  at: number;
}

export interface MessageAccepted extends EventBase {
  type: 'message.accepted';
  /** Where it came from: api, cli, test, smtp, notify … */
  source: string;
  purpose: string;
  /** The purpose's priority (a full dispatcher looks into its urgent reserve only for urgent ones). */
  priority: number;
}

export interface MessageClaimed extends EventBase {
  type: 'message.claimed';
  owner: string;
}

export interface MessageAttempted extends EventBase {
  type: 'message.attempted';
  outcome: 'sent' | 'partial' | 'deferred' | 'failed' | 'logged';
  durationMs: number;
  accountId: string | null;
  /** The server may already hold the message although the attempt did not end in its acceptance. */
  possibleDuplicate: boolean;
}

/** The message's status changed after an attempt, an expiry, or an operator's action. */
export interface MessageStatusChanged extends EventBase {
  type: 'message.sent' | 'message.deferred' | 'message.failed' | 'message.expired' | 'message.logged' | 'message.cancelled' | 'message.retried' | 'message.suppressed' | 'message.bounced' | 'message.received' | 'message.replied';
  /** The last error or the reason given, when there is one. */
  reason?: string | null;
  /** For message.deferred: when the next attempt is due. */
  nextAttemptAt?: number;
  /** What applications are told about the message (the journal and webhooks carry it). */
  facts?: MessageFacts;
  /** For received, replied and bounced: the inbound message that said so. */
  inbound?: InboundFacts;
}

/** The message Mailroom read (message.received, message.replied, message.bounced). */
export interface InboundFacts {
  /** The inbound message in the log. */
  id: string;
  kind: string;
  accountId: string | null;
  /** The sender's address (the subject and body stay in the log, never in a payload). */
  from: string;
  /** The outbound message it answers or bounces, when one matched. */
  inReplyTo: string | null;
}

/** The message as an application knows it, and what this change did to its recipients. */
export interface MessageFacts {
  purpose: string;
  /** The application's own key for the message, when it gave one. */
  idempotencyKey: string | null;
  attemptCount: number;
  /** The recipients this attempt tried and how each fared; empty when no attempt was made. */
  recipients: { address: string; status: string; code: number | null; enhancedCode: string | null }[];
}

export type MessageEvent = MessageAccepted | MessageClaimed | MessageAttempted | MessageStatusChanged;

export type MessageEventListener = (event: MessageEvent) => void | Promise<void>;

export interface MessageEvents {
  /** Publishes events that are already committed; returns at once. */
  publish(...events: MessageEvent[]): void;
  /** Subscribes to every event (or only the types listed); the returned function unsubscribes. */
  subscribe(listener: MessageEventListener, types?: readonly MessageEventType[]): () => void;
}

/** The in-process implementation; one per app (tests run several apps in one process). */
export function createMessageEvents(onError: (err: unknown, event: MessageEvent) => void): MessageEvents {
  const listeners = new Set<{ fn: MessageEventListener; types: ReadonlySet<MessageEventType> | null }>();
  const deliver = (fn: MessageEventListener, event: MessageEvent) => {
    try {
      const r = fn(event);
      if (r && typeof (r as Promise<void>).catch === 'function') (r as Promise<void>).catch((err) => onError(err, event));
    } catch (err) {
      onError(err, event);
    }
  };
  return {
    publish(...events) {
      for (const event of events) for (const l of listeners) if (!l.types || l.types.has(event.type)) deliver(l.fn, event);
    },
    subscribe(fn, types) {
      const entry = { fn, types: types ? new Set(types) : null };
      listeners.add(entry);
      return () => listeners.delete(entry);
    },
  };
}
