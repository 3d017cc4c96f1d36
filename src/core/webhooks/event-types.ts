import { invalid } from '../kernel/errors.js';
import { JOURNALED_EVENT_TYPES, type JournaledEventType } from '../kernel/event-journal.js';
import { arr } from '../kernel/validate.js';

/** What an endpoint may subscribe to: every event the journal carries today. */
export const WEBHOOK_EVENT_TYPES: readonly JournaledEventType[] = JOURNALED_EVENT_TYPES;
export type WebhookEventType = JournaledEventType;

/** Sent by "Send test event" to one endpoint, whatever it subscribes to; never subscribable. */
export const TEST_EVENT_TYPE = 'webhook.test';

/**
 * Named in the public contract but not emitted by this version. An endpoint asking for one
 * would wait for something that never comes, so it is refused with the reason instead.
 * When one starts being published (and journaled), it moves to JOURNALED_EVENT_TYPES.
 */
const NOT_EMITTED_YET: Record<string, string> = {
  'message.bounced': 'bounces are read from the accounts\' mailboxes (IMAP), which this version does not do yet',
  'message.received': 'receiving mail (IMAP) is not part of this version yet',
  'message.replied': 'matching replies (IMAP) is not part of this version yet',
};

/** The endpoint's event filter: a non-empty list of event types this version emits, each once. */
export function parseEventFilter(field: string, v: unknown): WebhookEventType[] {
  const list = arr(field, v, 50);
  if (!list.length) throw invalid(field, `choose at least one event: ${WEBHOOK_EVENT_TYPES.join(', ')}`);
  const out: WebhookEventType[] = [];
  list.forEach((raw, i) => {
    const name = typeof raw === 'string' ? raw.trim() : raw;
    if (typeof name !== 'string' || !name) throw invalid(`${field}[${i}]`, 'must be an event name');
    if (NOT_EMITTED_YET[name]) throw invalid(`${field}[${i}]`, `"${name}" is not emitted by this version: ${NOT_EMITTED_YET[name]}; choose from ${WEBHOOK_EVENT_TYPES.join(', ')}`);
    if (!(WEBHOOK_EVENT_TYPES as readonly string[]).includes(name)) throw invalid(`${field}[${i}]`, `"${name}" is not an event; choose from ${WEBHOOK_EVENT_TYPES.join(', ')}`);
    if (!out.includes(name as WebhookEventType)) out.push(name as WebhookEventType);
  });
  return out;
}
