import type { VersionedRepository } from '../kernel/versioned-repository.js';
import type { JournalEntry } from '../kernel/event-journal.js';
import type { WebhookEventType } from './event-types.js';

/** An endpoint as stored: the public fields plus where its secrets are and its failure streak. */
export interface StoredEndpoint {
  id: string;
  url: string;
  description: string | null;
  events: WebhookEventType[];
  enabled: boolean;
  secretId: string;
  previousSecretId: string | null;
  /** Until then the previous secret signs too (rotation grace); null when there is none. */
  rotationEndsAt: number | null;
  lastSuccessAt: number | null;
  consecutiveFailures: number;
  firstFailureAt: number | null;
  lastFailureAt: number | null;
  disabledReason: string | null;
  disabledAt: number | null;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
  version: number;
}

export type DeliveryStatus = 'pending' | 'sending' | 'succeeded' | 'failed';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'sending', 'succeeded', 'failed'];

export interface DeliveryRecord {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attemptCount: number;
  nextAttemptAt: number;
  leaseOwner: string | null;
  leaseUntil: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
  replayOf: string | null;
  replayedBy: string | null;
  createdAt: number;
  updatedAt: number;
  completedAt: number | null;
}

/** A delivery a worker holds, with the event it carries. */
export interface ClaimedDelivery extends DeliveryRecord {
  event: JournalEntry;
}

export interface WebhookAttemptRecord {
  id: string;
  deliveryId: string;
  at: number;
  durationMs: number;
  outcome: 'succeeded' | 'failed';
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
}

/** An attempt's outcome, written at once: the attempt row and the delivery's new state. */
export interface DeliveryOutcomeWrite {
  deliveryId: string;
  leaseOwner: string;
  status: DeliveryStatus;
  attemptCount: number;
  nextAttemptAt: number;
  lastStatusCode: number | null;
  lastError: string | null;
  completedAt: number | null;
  now: number;
  attempt: WebhookAttemptRecord;
}

export interface DeliveryQuery {
  endpointId: string;
  status?: DeliveryStatus[];
  eventType?: string;
  since?: number;
  until?: number;
  cursor?: string;
  limit: number;
}

/** An endpoint's deliveries at a glance. */
export interface DeliveryCounts {
  /** Waiting for an attempt (or being attempted) now. */
  pending: number;
  /** Created in the window asked for, by how they ended. */
  succeeded: number;
  failed: number;
}

export interface WebhookEndpointRepository extends VersionedRepository<StoredEndpoint> {
  /** Counts per endpoint: pending now, succeeded and failed among those created since `since`. */
  counts(ids: readonly string[], since: number): Promise<Map<string, DeliveryCounts>>;
  /** One more failed attempt: the streak grows (it starts now if there was none); the new state. */
  recordFailure(id: string, now: number): Promise<StoredEndpoint | undefined>;
  /** A success: ends a failing streak (true when there was one) and notes the time. */
  recordSuccess(id: string, now: number): Promise<boolean>;
  /** Switches an enabled endpoint off with Mailroom's reason; false when it was off already. */
  disable(id: string, reason: string, now: number): Promise<boolean>;
}

export interface WebhookDeliveryRepository {
  insert(rows: readonly DeliveryRecord[]): Promise<void>;
  /** Enabled endpoints with a delivery due at `now`. */
  dueEndpoints(now: number): Promise<string[]>;
  /** Claims up to `limit` due deliveries of one endpoint for `owner`; concurrent workers never claim the same row. */
  claim(opts: { endpointId: string; owner: string; now: number; leaseUntil: number; limit: number }): Promise<ClaimedDelivery[]>;
  /** Writes an attempt's outcome if `leaseOwner` still holds the delivery; false otherwise. */
  complete(w: DeliveryOutcomeWrite): Promise<boolean>;
  /** Makes up to `limit` of an endpoint's waiting retries due now (the receiver answers again); the count moved. */
  pullForward(endpointId: string, now: number, limit: number): Promise<number>;
  /** Deletes up to `limit` of an endpoint's deliveries with their attempts; how many deliveries went (0: none left). */
  deleteSome(endpointId: string, limit: number): Promise<number>;
  /**
   * Looks at the next `limit` deliveries made before `before`, oldest first, after the id
   * `after`, and deletes the finished ones (succeeded or failed for good) that finished before
   * `before`, with their attempts, and the journal entries (event payloads) no delivery needs any
   * more; in the caller's transaction. Returns how many deliveries it deleted, and the id to go on
   * after (null: nothing older is left). PostgreSQL skips rows another transaction holds.
   */
  deleteFinished(o: { before: number; after?: string; limit: number }): Promise<{ deleted: number; next: string | null }>;
  /** Returns deliveries whose lease ended (a crashed worker's) to the queue. */
  releaseExpiredLeases(now: number): Promise<number>;
  /** Returns `owner`'s leases except `keep` to the queue (a claim whose answer was lost). */
  releaseLeasesOf(owner: string, keep: readonly string[], now: number): Promise<number>;
  /**
   * Returns the deliveries `ids` that `owner` holds to the queue as they were (attempts, due
   * time): attempts given up before any answer (the endpoint was switched off, the worker stops).
   */
  releaseClaims(owner: string, ids: readonly string[], now: number): Promise<number>;
  list(query: DeliveryQuery): Promise<{ items: DeliveryRecord[]; nextCursor: string | null }>;
  get(id: string): Promise<DeliveryRecord | undefined>;
  /** Deliveries `ids` (a bulk replay's chunk), in no particular order; ids not found are left out. */
  getMany(ids: readonly string[]): Promise<DeliveryRecord[]>;
  attempts(deliveryId: string): Promise<WebhookAttemptRecord[]>;
  /** Failed deliveries of an endpoint created in [since, until) and not yet replayed, oldest first. */
  failedIds(endpointId: string, since: number, until: number, limit: number): Promise<string[]>;
  /** Records that each `by` replays its `id`, unless that one was replayed already; the ids marked. */
  markReplayed(replays: readonly { id: string; by: string }[], now: number): Promise<string[]>;
}

/** May Mailroom send to this URL? Resolves the host and applies the network policy; throws TARGET_NOT_ALLOWED. */
export interface WebhookTargetGuard {
  check(url: URL): Promise<void>;
}
