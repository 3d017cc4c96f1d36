import { audit, type CoreContext } from '../context.js';
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
  deleted: number;
  /** Messages whose last change came before this were due; null: the log is kept forever. */
  cutoff: number | null;
}

/**
 * Deletes the finished messages the retention setting no longer keeps, walking the messages
 * made before the cut-off oldest first, a chunk per transaction (`between` runs after each one
 * that leaves more to look at: the caller yields there, and stops the pass by
 * returning false). Records one audit entry per pass that deleted anything, actor `system`.
 */
export async function applyRetention(ctx: CoreContext, o: { between?: () => Promise<boolean>; chunk?: number } = {}): Promise<RetentionPass> {
  const chunk = o.chunk ?? RETENTION_CHUNK;
  const between = o.between ?? (async () => true);
  const now = ctx.clock.now();
  const settings = ctx.store.repos;
  const cutoff = retentionCutoff(now, await readRetention(settings), await readSoftBounces(settings));
  if (cutoff === null) return { deleted: 0, cutoff };
  let deleted = 0;
  let after: string | undefined;
  for (;;) {
    // Through the group commit, as the other background writes: on SQLite its fsync runs off the event loop.
    const step = await ctx.store.grouped((repos) => repos.messages.deleteFinished({ statuses: FINISHED_STATUSES, before: cutoff, after, limit: chunk }));
    deleted += step.deleted;
    if (step.next === null || !(await between())) break;
    after = step.next;
  }
  if (deleted > 0) {
    await ctx.store.transaction((repos) => audit(repos, ctx, SYSTEM_ACTOR, 'message.retention_delete', { type: 'message', id: null }, undefined, { deleted, lastChangeBefore: new Date(cutoff).toISOString() }));
  }
  return { deleted, cutoff };
}
