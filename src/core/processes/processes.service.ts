import type { CoreContext } from '../context.js';
import type { ProcessRecord } from './ports.js';

/** How often a process refreshes its row. */
export const HEARTBEAT_INTERVAL_MS = 10_000;
/** Seen within three heartbeats: alive. Two missed beats (a long pause, a slow database) are not yet a death. */
export const ALIVE_WITHIN_MS = 3 * HEARTBEAT_INTERVAL_MS;
/** Rows not seen for a day are dropped by whichever process beats next: a killed process stays listed as gone until then. */
export const PRUNE_AFTER_MS = 24 * 60 * 60_000;

export interface ProcessView extends ProcessRecord {
  /** Seen within ALIVE_WITHIN_MS (the process answering is always alive). */
  alive: boolean;
  /** The process that answered this request. */
  self: boolean;
}

export interface ProcessList {
  items: ProcessView[];
}

/** Every process recorded in the store, alive or gone, this one marked. */
export async function listProcesses(ctx: CoreContext, selfId: string): Promise<ProcessList> {
  const now = ctx.clock.now();
  const records = await ctx.store.repos.processes.list();
  return {
    items: records.map((p) => {
      const self = p.id === selfId;
      return { ...p, alive: self || now - p.lastSeenAt <= ALIVE_WITHIN_MS, self };
    }),
  };
}
