import { invalid } from '../kernel/errors.js';
import { doc, int, onlyKeys } from '../kernel/validate.js';
import { softBounceWindowMs, type SoftBounceSettings } from '../inbound/soft-bounces.js';
import { MESSAGE_STATUSES, type MessageStatus } from './messages.js';

/**
 * How long the email log keeps a message once it is finished, and the webhook log a finished
 * delivery (`settings.retention`). By default nothing is ever deleted: the logs are also the
 * record of what was sent, and only an admin can say how long that record must be kept. With
 * `days` set, a message whose row last changed more than that many days ago, and which can
 * change no more by itself, is deleted with its recipients, attempts and event links; so is a
 * delivery finished that long ago (docs/operations.md#retention).
 */
export interface RetentionSettings {
  /** Days a finished message is kept after its last change; null: kept forever. */
  days: number | null;
}

export const DEFAULT_RETENTION: RetentionSettings = Object.freeze({ days: null });

/** A week at least: a soft bounce or a reply that comes days later still finds its message. */
export const MIN_RETENTION_DAYS = 7;
export const MAX_RETENTION_DAYS = 3650;

const DAY_MS = 86_400_000;

/**
 * Statuses nothing moves a message out of by itself: delivered, given up, cancelled, logged,
 * suppressed, bounced, or received. Queued, sending and deferred messages are never deleted,
 * however old (a message scheduled a year ahead waits its turn).
 */
export const FINISHED_STATUSES: readonly MessageStatus[] = MESSAGE_STATUSES.filter((s) => s !== 'queued' && s !== 'sending' && s !== 'deferred');

/** Validates `settings.retention`: `{ days: null }` or `{ days: 7..3650 }`. */
export function parseRetention(v: unknown): RetentionSettings {
  const d = doc('retention', v);
  onlyKeys('retention', d, ['days']);
  if (d.days === undefined) throw invalid('retention.days', `is required: a number of days (${MIN_RETENTION_DAYS}–${MAX_RETENTION_DAYS}), or null to keep messages forever`);
  return { days: d.days === null ? null : int('retention.days', d.days, MIN_RETENTION_DAYS, MAX_RETENTION_DAYS) };
}

/**
 * The time before which a finished message's last change makes it due for deletion, or null
 * when the log is kept forever. Never later than the soft-bounce window allows: soft bounces are
 * counted from the recipients of the messages they bounced, so a message inside the window is
 * kept whatever `days` says.
 */
export function retentionCutoff(now: number, retention: RetentionSettings, softBounces: SoftBounceSettings): number | null {
  if (retention.days === null) return null;
  return now - Math.max(retention.days * DAY_MS, softBounceWindowMs(softBounces));
}
