import type { CoreContext } from '../context.js';
import { retentionCutoff } from '../outbox/retention.js';
import { readRetention, readSoftBounces } from '../routing/settings.js';

/**
 * The arrival time before which a folder read again after a UIDVALIDITY change (recreated,
 * restored from a backup) stores nothing; null when every message is read (the log is kept
 * forever, so the Message-ID dedupe finds whatever was stored before). What arrived before the
 * retention's cut-off was stored at its time and may have been deleted since: the dedupe no
 * longer finds its row, and stored again it would be received, replied to, bounced and announced
 * to webhooks a second time, only to be deleted at the next pass (docs/inbound.md).
 */
export async function resyncCutoff(ctx: CoreContext): Promise<number | null> {
  const repos = ctx.store.repos;
  return retentionCutoff(ctx.clock.now(), await readRetention(repos), await readSoftBounces(repos));
}
