import type { JournalEntry } from '../kernel/event-journal.js';

/**
 * The request body of a webhook (docs/webhooks.md): `{ type, timestamp, data }`, `timestamp`
 * being when the event happened. Built from the journal entry alone, so every attempt and
 * every replay sends the same bytes; only the webhook-timestamp header and the signature
 * change per attempt.
 */
export function webhookBody(e: Pick<JournalEntry, 'type' | 'at' | 'data'>): string {
  return `{"type":${JSON.stringify(e.type)},"timestamp":"${new Date(e.at).toISOString()}","data":${e.data}}`;
}
