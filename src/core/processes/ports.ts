import type { MailDriver } from '../senders/deploy-vars.js';

/**
 * What a long-running process does, as the composition root knows it: `api` (the HTTP API and
 * the admin UI), the queue workers, the SMTP relay's listener, the IMAP readers and the
 * background chores.
 */
export type ProcessPart = 'api' | 'delivery' | 'webhooks' | 'inbound' | 'relay' | 'retention' | 'search-index';

/** `start` (with or without workers: see `runs`) or `worker` (`mailroom worker`). */
export type ProcessRole = 'start' | 'worker';

/** One `mailroom start` / `mailroom worker` process as it records itself in the store. */
export interface ProcessRecord {
  /** `proc_` and a ULID, made when the process started: stable for its life, never reused. */
  id: string;
  role: ProcessRole;
  hostname: string;
  pid: number;
  /** Mailroom's version (package.json) the process runs. */
  version: string;
  runs: ProcessPart[];
  /**
   * MAILROOM_MAIL_DRIVER of the process (whether its delivery sends or only logs); null for a
   * row written by a version before migration 034, which did not record it.
   */
  mailDriver: MailDriver | null;
  startedAt: number;
  /** Its last heartbeat. */
  lastSeenAt: number;
}

/**
 * The processes sharing the store, each refreshed by its own heartbeat. Kept apart from the
 * outbox's leases: a process's row only says it was alive, it holds nothing.
 */
export interface ProcessRepository {
  /** Inserts the process, or refreshes its row (what it runs, last seen). */
  beat(record: ProcessRecord): Promise<void>;
  /** A clean stop: the process is gone from the list. */
  remove(id: string): Promise<void>;
  /** Every recorded process, oldest start first. */
  list(): Promise<ProcessRecord[]>;
  /** Drops the rows last seen before `before` (processes killed long ago); how many. */
  prune(before: number): Promise<number>;
}
