import { invalid, notAllowed } from '../kernel/errors.js';
import { JOURNALED_EVENT_TYPES, type JournaledEventType } from '../kernel/event-journal.js';
import { arr } from '../kernel/validate.js';

/** What an endpoint may subscribe to: every event the journal carries today. */
export const WEBHOOK_EVENT_TYPES: readonly JournaledEventType[] = JOURNALED_EVENT_TYPES;
export type WebhookEventType = JournaledEventType;

/** Sent by "Send test event" to one endpoint, whatever it subscribes to; never subscribable. */
export const TEST_EVENT_TYPE = 'webhook.test';

/** The endpoint's event filter: a non-empty list of event types this version emits, each once. */
export function parseEventFilter(field: string, v: unknown): WebhookEventType[] {
  const list = arr(field, v, 50);
  if (!list.length) throw invalid(field, `choose at least one event: ${WEBHOOK_EVENT_TYPES.join(', ')}`);
  const out: WebhookEventType[] = [];
  list.forEach((raw, i) => {
    const name = typeof raw === 'string' ? raw.trim() : raw;
    if (typeof name !== 'string' || !name) throw invalid(`${field}[${i}]`, 'must be an event name');
    if (!(WEBHOOK_EVENT_TYPES as readonly string[]).includes(name)) throw notAllowed(`${field}[${i}]`, `"${name}" is not an event; choose from ${WEBHOOK_EVENT_TYPES.join(', ')}`, WEBHOOK_EVENT_TYPES);
    if (!out.includes(name as WebhookEventType)) out.push(name as WebhookEventType);
  });
  return out;
}
