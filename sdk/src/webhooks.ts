import { Webhook } from 'standardwebhooks';

/** What Mailroom POSTs to a webhook endpoint (docs/webhooks.md): ignore types and fields you do not know. */
export interface WebhookEvent<D = Record<string, unknown>> {
  type: string;
  timestamp: string;
  data: D;
}

/** `data` of the message.* events (docs/webhooks.md, "Events and payloads"). */
export interface MessageEventData {
  messageId: string;
  status: string;
  /** The message's purpose; null when none was given (as GET /messages/:id says) and for message.received (a received message has none). */
  purpose: string | null;
  idempotencyKey: string | null;
  attemptCount: number;
  reason: string | null;
  /** message.deferred only. */
  nextAttemptAt?: string;
  recipients: { address: string; status: string; code: number | null; enhancedCode: string | null }[];
  /** message.received, message.replied, message.bounced only: the received message. */
  inbound?: InboundMessageFacts;
}

/** The received message a message.received, message.replied or message.bounced event is about. */
export interface InboundMessageFacts {
  id: string;
  /** mail, reply, bounce, auto_reply, complaint. */
  kind: string;
  accountId: string | null;
  /** The sender's address. */
  from: string;
  /** The outbound message it answers or bounces, when one matched. */
  inReplyTo: string | null;
}

type HeaderBag = Headers | Record<string, string | string[] | undefined>;

function headerRecord(headers: HeaderBag): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers instanceof Headers) headers.forEach((v, k) => (out[k] = v));
  else for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/**
 * Checks a webhook request (Standard Webhooks: webhook-id, webhook-timestamp within 5 minutes,
 * webhook-signature over the raw body) and returns the event; throws when it is not Mailroom's.
 * Pass the body exactly as received (a string or bytes, never re-serialised JSON).
 */
export function verifyWebhook<D = Record<string, unknown>>(payload: string | Uint8Array, headers: HeaderBag, secret: string): WebhookEvent<D> {
  const body = typeof payload === 'string' ? payload : new TextDecoder().decode(payload);
  return new Webhook(secret).verify(body, headerRecord(headers)) as WebhookEvent<D>;
}

export class Webhooks {
  constructor(private readonly secret: string | undefined) {}

  /** verifyWebhook with the client's `webhookSecret` unless one is given. */
  verify<D = Record<string, unknown>>(payload: string | Uint8Array, headers: HeaderBag, secret = this.secret): WebhookEvent<D> {
    if (!secret) throw new Error('no webhook secret: pass one, or give webhookSecret to new Mailroom()');
    return verifyWebhook<D>(payload, headers, secret);
  }
}
