import type { Store } from '../core/ports.js';
import type { Logger } from '../logger.js';
import type { Worker } from '../ports.js';
import { INDEX_BATCH } from './repositories/subject-search.js';

/**
 * Keeps SQLite's subject search index up with the messages stored (PostgreSQL keeps its own
 * index at every insert and needs no worker). Once a second it indexes
 * what arrived, in one transaction of at most INDEX_BATCH rows: at 500 messages a second that
 * is ~5 ms of the event loop a second. A backlog (messages stored before the upgrade, copies
 * written straight into the database) is worked off batch after batch, yielding in between.
 * A search does not wait for it: rows not indexed yet are read directly.
 */
export function searchIndexWorker(store: Store, logger: Logger, o: { intervalMs?: number } = {}): Worker {
  const intervalMs = o.intervalMs ?? 1_000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let failing = false;
  const round = async () => {
    let indexed = 0;
    try {
      // Through the group commit: its fsync runs off the event loop (a transaction of its own
      // fsyncs on the main thread, a stall that showed in the accept latency's tail).
      indexed = await store.grouped((repos) => repos.messages.catchUpSearchIndex(INDEX_BATCH));
      if (failing) logger.info('subject search index: catching up again');
      failing = false;
    } catch (err) {
      // The store may be away for a while: say so once, keep trying at the usual pace.
      if (!failing) logger.warn({ err }, 'subject search index: could not catch up; searches read the rows not indexed yet directly');
      failing = true;
    }
    if (!stopped) timer = setTimeout(tick, indexed >= INDEX_BATCH ? 0 : intervalMs);
  };
  const tick = () => {
    running = round();
  };
  return {
    name: 'search-index',
    async start() {
      stopped = false;
      tick();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
