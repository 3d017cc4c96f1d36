import type { CoreContext } from '../context.js';
import type { MessageStatus } from './messages.js';
import { BULK_LIMIT, parseFilter } from './messages.service.js';

export interface MessageCount {
  /** Messages matching the filter; the cap (BULK_LIMIT) when `more`. */
  total: number;
  /** More than BULK_LIMIT match: the count stopped there. */
  more: boolean;
  /** How many of each status among them (statuses with none left out); null when `more`. */
  byStatus: Partial<Record<MessageStatus, number>> | null;
}

/**
 * How many messages a filter of the log matches, by status: what a bulk retry or cancel with
 * that filter would take and leave, asked before doing it. Counted over at most BULK_LIMIT
 * matching messages (the most one bulk call takes), so a count at a million messages costs what
 * a bulk call's own listing does; past that only "more" is known, and a breakdown of the first
 * BULK_LIMIT would mislead, so there is none.
 */
export async function countMessages(ctx: CoreContext, filterInput: unknown, cap = BULK_LIMIT): Promise<MessageCount> {
  const filter = parseFilter(filterInput);
  const counted = await ctx.store.repos.messages.countByStatus(filter, cap + 1);
  const total = Object.values(counted).reduce((a, n) => a + n, 0);
  if (total > cap) return { total: cap, more: true, byStatus: null };
  return { total, more: false, byStatus: counted };
}
