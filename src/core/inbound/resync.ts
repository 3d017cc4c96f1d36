import type { CoreContext } from '../context.js';
import { retentionCutoff } from '../outbox/retention.js';
import { readRetention, readSoftBounces } from '../routing/settings.js';

/**
 * The arrival time before which a folder read from its first message stores nothing: a first
 * read (no cursor yet) or a read again after a UIDVALIDITY change (recreated, restored from a
 * backup); null when every message is read (the log is kept forever, so the Message-ID dedupe
 * finds whatever was stored before). Mail that arrived before the retention's cut-off is older
 * than anything the log keeps: on a resync it was stored at its time and may have been deleted
 * since (the dedupe no longer finds its row); on a first read it is an account's years of old
 * mail. Stored, it would be received, replied to, bounced and announced to webhooks
 * (docs/inbound.md).
 */
export async function resyncCutoff(ctx: CoreContext): Promise<number | null> {
  const repos = ctx.store.repos;
  return retentionCutoff(ctx.clock.now(), await readRetention(repos), await readSoftBounces(repos));
}
