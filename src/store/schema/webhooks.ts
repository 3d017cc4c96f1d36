import type { Flag, JsonText, Millis } from './columns.js';

/**
 * The durable events (message.sent …), written in the transaction of the change they describe.
 * `data` is the event's payload `data` as JSON, exactly as a webhook carries it.
 */
export interface EventJournalTable {
  id: string;
  type: string;
  message_id: string | null;
  at: Millis;
  data: JsonText;
  /** 1 until the fan-out has queued its deliveries. */
  pending: Flag;
}

export interface WebhookEndpointsTable {
  id: string;
  url: string;
  description: string | null;
  /** The event types it receives, JSON list. */
  events: JsonText;
  enabled: Flag;
  /** The signing secret (whsec_…), encrypted in `secrets`. */
  secret_id: string;
  /** The secret before the last rotation, still signing until rotation_ends_at. */
  previous_secret_id: string | null;
  rotation_ends_at: Millis | null;
  /** When a delivery last succeeded (kept to within a few seconds while successes stream in). */
  last_success_at: Millis | null;
  /** Failed attempts since the last success (any delivery). */
  consecutive_failures: number;
  /** When that streak began. */
  first_failure_at: Millis | null;
  last_failure_at: Millis | null;
  /** Why Mailroom switched it off (410 Gone, a long failing streak); null when an admin did, or it is on. */
  disabled_reason: string | null;
  disabled_at: Millis | null;
  created_by: string | null;
  created_at: Millis;
  updated_at: Millis;
  version: number;
}

/** One event for one endpoint: the queue entry and the log entry. */
export interface WebhookDeliveriesTable {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  /** 'pending' | 'sending' | 'succeeded' | 'failed' */
  status: string;
  attempt_count: number;
  next_attempt_at: Millis;
  lease_owner: string | null;
  lease_until: Millis | null;
  last_status_code: number | null;
  last_error: string | null;
  /** The delivery this one replays. */
  replay_of: string | null;
  /** The delivery that replayed this one. */
  replayed_by: string | null;
  created_at: Millis;
  updated_at: Millis;
  completed_at: Millis | null;
}

export interface WebhookAttemptsTable {
  id: string;
  delivery_id: string;
  at: Millis;
  duration_ms: number;
  /** 'succeeded' | 'failed' */
  outcome: string;
  /** The receiver's HTTP status; null when no answer came (refused, timeout, connection error). */
  status_code: number | null;
  error: string | null;
  /** The first 1,000 characters of the receiver's answer. */
  response_excerpt: string | null;
}

export interface WebhooksTables {
  event_journal: EventJournalTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
}
