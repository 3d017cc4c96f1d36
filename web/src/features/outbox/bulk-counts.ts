import { api, type MessageStatus, type MessageSummary } from '../../api.js';
import { useResource } from '../../hooks.js';
import { countRows, type BulkCounts } from './bulk-question.js';

/** GET /messages/count: exact up to the most one bulk call takes (10,000), "more" past it. */
interface MessageCount {
  total: number;
  more: boolean;
  byStatus: Partial<Record<MessageStatus, number>> | null;
}

/**
 * How many messages a filter matches and how many of them a bulk retry and a bulk cancel take,
 * for their questions: from the log's own rows while they are all loaded, else from the server's
 * count of the filter (one request; past 10,000 matches one more per action, of the statuses it takes).
 * Null while counting (or when counting failed): the question then goes by the rows shown.
 */
export function useBulkCounts(
  filter: Record<string, string | undefined>,
  log: { items: readonly MessageSummary[]; more: boolean; loaded: unknown },
  /** Whether the bulk actions are offered at all: counting for none would be a request for nothing. */
  active: boolean,
  retry: readonly MessageStatus[],
  cancel: readonly MessageStatus[],
): { retry: BulkCounts | null; cancel: BulkCounts | null } {
  const key = JSON.stringify([filter, retry, cancel]);
  const counted = useResource(async () => {
    if (!active || !log.more) return null;
    const count = (status?: readonly MessageStatus[]) => api.get<MessageCount>('/messages/count', { ...filter, ...(status ? { status: status.join(',') } : {}) });
    const all = await count();
    const taken = async (statuses: readonly MessageStatus[]): Promise<BulkCounts> => {
      const common = { total: all.total, totalMore: all.more, byStatus: all.byStatus };
      if (all.byStatus) return { ...common, taken: statuses.reduce((n, s) => n + (all.byStatus?.[s] ?? 0), 0), takenMore: false };
      // More match than were counted: what each action takes, counted on its own (none when it takes no status).
      const mine = statuses.length ? await count(statuses) : { total: 0, more: false };
      return { ...common, taken: mine.total, takenMore: mine.more };
    };
    const [r, c] = await Promise.all([taken(retry), taken(cancel)]);
    return { key, retry: r, cancel: c };
  }, [key, active, log.more, log.loaded]);
  if (!log.more) return { retry: countRows(log.items, false, retry), cancel: countRows(log.items, false, cancel) };
  // Counts of another filter (the one before, while this one is counted) are not this one's.
  return counted.data?.key === key ? counted.data : { retry: null, cancel: null };
}
