import type { CoreContext } from '../context.js';
import { assertCursor, assertIdFilter, newId } from '../kernel/ids.js';
import type { RelayRejection } from './ports.js';

/** Refusals written per minute and process at most: a client hammering the port must not fill the disk. */
export const REJECTIONS_PER_MINUTE = 120;
/** How long refusals are kept. */
export const REJECTIONS_KEPT_MS = 30 * 86_400_000;

/**
 * The relay's refused commands and sessions, kept so the admin UI can show them (who, from
 * where, what they got). Writes share the group commit and are bounded per minute; past the
 * bound they are counted and reported by the caller's log instead (`dropped`).
 */
export class RejectionLog {
  private windowStart = 0;
  private written = 0;
  /** Refusals not stored since the last call of takeDropped(). */
  private dropped = 0;

  constructor(private readonly ctx: CoreContext) {}

  async record(r: Omit<RelayRejection, 'id' | 'at'>): Promise<void> {
    const now = this.ctx.clock.now();
    if (now - this.windowStart >= 60_000 || now < this.windowStart) {
      this.windowStart = now;
      this.written = 0;
    }
    if (this.written >= REJECTIONS_PER_MINUTE) {
      this.dropped++;
      return;
    }
    this.written++;
    const entry: RelayRejection = { id: newId('rej', now), at: now, ...r, reply: r.reply.slice(0, 500) };
    await this.ctx.store.grouped((repos) => repos.relayRejections.insert(entry));
  }

  takeDropped(): number {
    const n = this.dropped;
    this.dropped = 0;
    return n;
  }
}

export async function listRejections(ctx: CoreContext, query: { limit: number; cursor?: string; credentialId?: string }) {
  assertCursor('rej', query.cursor);
  assertIdFilter('credentialId', 'smc', 'an SMTP credential', query.credentialId);
  return ctx.store.repos.relayRejections.list(query);
}

/**
 * Housekeeping: refusals older than REJECTIONS_KEPT_MS go, and so do the per-minute counters of
 * the credentials' rate limits older than a day (they only ever count the current minute).
 */
export async function pruneRelayRecords(ctx: CoreContext): Promise<number> {
  const now = ctx.clock.now();
  const repos = ctx.store.repos;
  for (const c of await repos.smtpCredentials.list()) await repos.sendCounters.prune(c.id, now - 86_400_000);
  return repos.relayRejections.prune(now - REJECTIONS_KEPT_MS);
}
