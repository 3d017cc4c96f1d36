import type { VersionedRepository } from '../kernel/versioned-repository.js';
import type { NotifyEvent } from './events.js';
import type { Rule } from './rules.js';

export interface RuleRepository extends VersionedRepository<Rule> {
  /** The rules whose `field` is `value` (the account, template or purpose a delete must not pull from under them), in priority order. */
  naming(field: 'accountId' | 'template' | 'purpose', value: string): Promise<Rule[]>;
  /** Every rule's id and version, nothing else: what an event's plan is checked against at its commit. */
  versions(): Promise<{ id: string; version: number }[]>;
}

/** What one rule (or the built-in auto-reply) made of an event. */
export interface EventMatch {
  ruleId: string;
  ruleName: string;
  messageIds: string[];
  /** Why the rule made no message although it matched (an answer already sent today, a template error …). */
  skipped?: { code: string; message: string };
}

/** An event as stored: as raised, with who raised it, when, and what the rules made of it. */
export interface StoredEvent extends NotifyEvent {
  receivedAt: number;
  createdBy: string | null;
  /** The raising request's hash (requestHash(); a generated id hashed as part of the body); null only for events stored before hashes were kept (migration 025), which any body retries. */
  requestHash: string | null;
  matches: EventMatch[];
  messageCount: number;
}

export interface EventQuery {
  type?: string;
  /** The last item of the previous page. */
  before?: { receivedAt: number; id: string };
  limit: number;
}

export interface NotifyEventRepository {
  get(id: string): Promise<StoredEvent | undefined>;
  /** Inserts the event and links its messages; DuplicateKeyError when the id exists. */
  insert(event: StoredEvent): Promise<void>;
  /** Newest first. */
  list(q: EventQuery): Promise<StoredEvent[]>;
  /** The event (and rule) a message was made for, if any. */
  eventOfMessage(messageId: string): Promise<{ eventId: string; ruleId: string } | undefined>;
  /**
   * Deletes, of the next `limit` events received before `before` (oldest first, from the
   * opaque `after` a previous call returned), those no message links to any more (their
   * messages were deleted, or they made none); `next`: where the next call starts, null when
   * no older event is left to look at.
   */
  deleteUnlinked(o: { before: number; after?: string; limit: number }): Promise<{ deleted: number; next: string | null }>;
}

export interface AutoReplyRepository {
  /**
   * Records an auto-reply to `address` now unless one was recorded after `since`: true when
   * this call may answer. Atomic, so two submissions at once cannot both answer.
   */
  claim(address: string, now: number, since: number): Promise<boolean>;
  /** Whether an auto-reply to `address` was recorded after `since` (claim would refuse it now); reads only, for the dry run. */
  answeredSince(address: string, since: number): Promise<boolean>;
  /** Forgets the addresses last answered before `before`; how many. */
  forgetBefore(before: number): Promise<number>;
}
