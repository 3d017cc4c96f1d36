import type { CoreContext } from '../context.js';
import { ErrorCodes, MailroomError } from '../kernel/errors.js';
import type { MailDriver } from '../senders/deploy-vars.js';
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

/**
 * Refuses (MAILROOM_E_CONFIG) a process about to deliver with `driver` while a live process on
 * the same store delivers with another MAILROOM_MAIL_DRIVER: both would claim from one outbox,
 * and what the log driver claims is marked `logged` and never sent (or the other way round:
 * mail a developer meant only to log goes out). A row without a driver (a process of a version
 * before migration 034) says nothing either way and is not judged. The process calls this
 * after its own row is written and before its delivery starts; two processes starting in the
 * same instant may both pass (each looks before the other says it delivers).
 */
export async function assertOneMailDriver(ctx: CoreContext, selfId: string, driver: MailDriver): Promise<void> {
  const now = ctx.clock.now();
  const other = (await ctx.store.repos.processes.list()).find(
    (p) => p.id !== selfId && now - p.lastSeenAt <= ALIVE_WITHIN_MS && p.runs.includes('delivery') && p.mailDriver !== null && p.mailDriver !== driver,
  );
  if (!other) return;
  const seen = Math.max(0, Math.round((now - other.lastSeenAt) / 1000));
  throw new MailroomError(
    ErrorCodes.CONFIG,
    `this process is set to MAILROOM_MAIL_DRIVER=${driver}, but the ${other.role} on ${other.hostname} (pid ${other.pid}) delivers from the same database with MAILROOM_MAIL_DRIVER=${other.mailDriver} (seen ${seen} s ago): ` +
      'every process on one database must use the same MAILROOM_MAIL_DRIVER (they share one outbox: mail a log-driver process claims is marked logged and never sent, and mail meant only to be logged is sent by the others); ' +
      `set the same driver here, or stop that process (a process killed without a clean stop counts as live until ${ALIVE_WITHIN_MS / 1000} s after its last heartbeat)`,
    { process: { id: other.id, role: other.role, hostname: other.hostname, pid: other.pid, mailDriver: other.mailDriver }, mailDriver: driver },
  );
}
