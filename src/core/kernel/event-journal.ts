/**
 * The event journal: the message events that must reach applications outside this process
 * (webhooks), written by the publisher INSIDE the transaction that makes them true. The
 * in-process port (message-events.ts) is a signal sent after the commit and lost with the
 * process; a journal row commits with the change or not at all, so no crash between the two
 * can lose an event. The webhook worker reads the journal and queues the deliveries.
 *
 * Publishers call `journal(repos.eventJournal, events)` in their transaction and
 * `ctx.events.publish(...events)` after it; events of other types are skipped here.
 */
import { newId } from './ids.js';
import type { MessageEvent, MessageStatusChanged } from './message-events.js';

/** The events journaled today. Adding one: publish it, list it here, document its payload. */
export const JOURNALED_EVENT_TYPES = ['message.sent', 'message.deferred', 'message.failed', 'message.expired', 'message.cancelled', 'message.suppressed', 'message.bounced', 'message.received', 'message.replied'] as const;
export type JournaledEventType = (typeof JOURNALED_EVENT_TYPES)[number];

export interface JournalEntry {
  id: string;
  type: string;
  messageId: string | null;
  at: number;
  /** The payload's `data`, as JSON text (built once, sent as is on every attempt). */
  data: string;
}

export interface EventJournalRepository {
  /**
   * Writes entries for the fan-out, but only while some webhook endpoint is enabled, as seen by
   * the caller's transaction: with none, nothing would read them but to delete them, and on
   * PostgreSQL writing and deleting an entry per outcome cost 8–10 % of the outbox's rate. So
   * an endpoint receives the events that commit once it is enabled. `read: true`: an entry whose
   * deliveries the caller queues itself (a test event), always written.
   */
  append(entries: readonly JournalEntry[], opts?: { read: boolean }): Promise<void>;
  /**
   * Up to `limit` entries the fan-out has not read, oldest first, locked for this transaction
   * where the store can (PostgreSQL: another fan-out skips them). For the fan-out only: any other
   * caller's lock makes a concurrent fan-out skip those entries until the next wake-up or poll.
   */
  unread(limit: number): Promise<JournalEntry[]>;
  /** Marks entries read; those no endpoint wanted are deleted instead (nothing refers to them). */
  markRead(keep: readonly string[], drop: readonly string[]): Promise<void>;
  get(id: string): Promise<JournalEntry | undefined>;
}

const JOURNALED: ReadonlySet<string> = new Set(JOURNALED_EVENT_TYPES);

/** Longest reason a payload carries (an SMTP reply can be long; the log has it whole). */
export const REASON_MAX_CHARS = 500;

/** The payload `data` of a message event (docs/webhooks.md): small, with ISO 8601 times. */
export function messageEventData(e: MessageStatusChanged): Record<string, unknown> {
  const f = e.facts;
  const reason = e.reason ?? null;
  return {
    messageId: e.messageId,
    status: e.type.slice('message.'.length),
    // The store keeps "no purpose" as ""; the API (GET /messages/:id) says null, and so do payloads.
    purpose: f?.purpose || null,
    idempotencyKey: f?.idempotencyKey ?? null,
    attemptCount: f?.attemptCount ?? 0,
    reason: reason && reason.length > REASON_MAX_CHARS ? `${reason.slice(0, REASON_MAX_CHARS - 1)}…` : reason,
    ...(e.nextAttemptAt !== undefined ? { nextAttemptAt: new Date(e.nextAttemptAt).toISOString() } : {}),
    recipients: f?.recipients ?? [],
    ...(e.inbound ? { inbound: e.inbound } : {}),
  };
}

/** Appends the journaled ones among `events` inside the caller's transaction. */
export async function journal(repo: EventJournalRepository, events: readonly MessageEvent[]): Promise<void> {
  const entries: JournalEntry[] = [];
  for (const e of events) {
    if (!JOURNALED.has(e.type)) continue;
    const changed = e as MessageStatusChanged;
    entries.push({ id: newId('evt', e.at), type: e.type, messageId: e.messageId, at: e.at, data: JSON.stringify(messageEventData(changed)) });
  }
  if (entries.length) await repo.append(entries);
}
