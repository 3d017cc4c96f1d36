import type { WebhookEventType } from '../../api.js';

/**
 * The events an endpoint can receive in this version, in the order the form lists them. Keyed
 * by the API's own type, so the compiler fails here when the server adds or drops one.
 */
export const WEBHOOK_EVENTS: Record<WebhookEventType, string> = {
  'message.sent': 'the receiving server accepted the message',
  'message.deferred': 'a transient failure or a sending limit: Mailroom tries again later',
  'message.failed': 'refused for good (5xx), or no usable account',
  'message.expired': 'it could not be delivered before it expired',
  'message.cancelled': 'an operator cancelled it before it was sent',
  'message.suppressed': 'recipients on the suppression list were skipped at accept time',
  'message.bounced': 'a bounce (a delivery status notification or a plain-text one) said recipients did not get it',
  'message.received': 'a message arrived in a mailbox Mailroom reads',
  'message.replied': 'a reply to the message arrived',
};

export const EVENT_NAMES = Object.keys(WEBHOOK_EVENTS) as WebhookEventType[];

/** What happened to the message, as the page's subtitle says it: the event's name, a reply as "replied to". */
const inWords = (n: WebhookEventType): string => (n === 'message.replied' ? 'replied to' : n.slice('message.'.length));

/** "sent, deferred, … or replied to": every event there is, as EVENT_NAMES lists them. */
export const EVENTS_IN_WORDS = `${EVENT_NAMES.slice(0, -1).map(inWords).join(', ')} or ${inWords(EVENT_NAMES[EVENT_NAMES.length - 1])}`;
