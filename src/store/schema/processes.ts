import type { JsonText, Millis } from './columns.js';

/** A running (or recently killed) Mailroom process (migration 031). */
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
  started_at: Millis;
  last_seen_at: Millis;
}

export interface ProcessesTables {
  processes: ProcessesTable;
}
