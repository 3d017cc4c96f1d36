import type { JsonText, Millis } from './columns.js';

/** A running (or recently killed) Mailroom process (migrations 031, 034). */
export interface ProcessesTable {
  /** proc_<ulid>, made at the process's start. */
  id: string;
  /** start | worker */
  role: string;
  hostname: string;
  pid: number;
  version: string;
  /** What it runs (ProcessPart[]), a JSON list. */
  runs: JsonText;
  /** smtp | log (migration 034); null in rows of processes older than that. */
  mail_driver: string | null;
  started_at: Millis;
  last_seen_at: Millis;
}

export interface ProcessesTables {
  processes: ProcessesTable;
}
