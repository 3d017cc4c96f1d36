import { audit, type CoreContext } from '../context.js';
import type { Repositories } from '../ports.js';
import { SYSTEM_ACTOR } from '../kernel/audit.js';
import { readRetention, readSoftBounces } from '../routing/settings.js';
import { FINISHED_STATUSES, retentionCutoff } from './retention.js';

/**
 * Messages looked at (and at most deleted) per transaction: each chunk holds the store (and on
 * SQLite the event loop) for milliseconds, not the seconds a first pass over a years-old log
 * would take at once.
 */
export const RETENTION_CHUNK = 1_000;

/** What one pass of the retention did. */
export interface RetentionPass {
  /** Messages deleted (with their recipients, attempts, event links and search entries). */
  messages: number;
  /** Events deleted: received before the cut-off, and no message of theirs left. */
  events: number;
  /** Webhook deliveries deleted (with their attempts, and event payloads no delivery needs). */
  webhookDeliveries: number;
  /** What last changed (finished) before this was due; null: the logs are kept forever. */
  cutoff: number | null;
}

/** One chunk of a walk: how many it deleted, and where the next one starts (null: done). */
type Chunk = (repos: Repositories, after: string | undefined) => Promise<{ deleted: number; next: string | null }>;

/**
 * Deletes what the retention setting no longer keeps: finished messages, then the events whose
 * messages are all gone (an event's payload is as personal as the mail it made), then finished
 * webhook deliveries — the logs an admin reads, kept as long as each other. Each is walked
 * oldest first, a chunk per transaction (`between` runs after each one that leaves more to look
 * at: the caller yields there, and stops the pass by returning false). The contact auto-reply's
 * memory of whom it answered (needed for a day) goes with them. Records one audit entry per
 * pass that deleted anything, actor `system`.
 */
export async function applyRetention(ctx: CoreContext, o: { between?: () => Promise<boolean>; chunk?: number } = {}): Promise<RetentionPass> {
  const limit = o.chunk ?? RETENTION_CHUNK;
  const between = o.between ?? (async () => true);
  const now = ctx.clock.now();
  const settings = ctx.store.repos;
  const cutoff = retentionCutoff(now, await readRetention(settings), await readSoftBounces(settings));
  if (cutoff === null) return { messages: 0, events: 0, webhookDeliveries: 0, cutoff };
  let go = true;
  const walk = async (chunk: Chunk) => {
    let deleted = 0;
    let after: string | undefined;
    while (go) {
      // Through the group commit, as the other background writes: on SQLite its fsync runs off the event loop.
      const step = await ctx.store.grouped((repos) => chunk(repos, after));
      deleted += step.deleted;
      if (step.next === null) break;
      go = await between();
      after = step.next;
    }
    return deleted;
  };
  const messages = await walk((repos, after) => repos.messages.deleteFinished({ statuses: FINISHED_STATUSES, before: cutoff, after, limit }));
  // After the messages: an event is kept while a message it made is.
  const events = await walk((repos, after) => repos.notifyEvents.deleteUnlinked({ before: cutoff, after, limit }));
  const webhookDeliveries = await walk((repos, after) => repos.webhookDeliveries.deleteFinished({ before: cutoff, after, limit }));
  if (go) await ctx.store.grouped((repos) => repos.autoReplies.forgetBefore(cutoff));
  if (messages + events + webhookDeliveries > 0) {
    const after = { messages, events, webhookDeliveries, lastChangeBefore: new Date(cutoff).toISOString() };
    await ctx.store.transaction((repos) => audit(repos, ctx, SYSTEM_ACTOR, 'message.retention_delete', { type: 'message', id: null }, undefined, after));
  }
  return { messages, events, webhookDeliveries, cutoff };
}
