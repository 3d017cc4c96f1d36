import type { Flag, JsonText, Millis } from './columns.js';

export interface PurposesTable {
  key: string;
  builtin: Flag;
  description: string | null;
  enabled: Flag;
  /** Ordered failover list of account ids, JSON array. */
  account_ids: JsonText;
  priority: number;
  expire_after_sec: number | null;
  global_copies: Flag;
  created_at: Millis;
  updated_at: Millis;
  version: number;
}

export interface SendCountersTable {
  /** "acc_…" or "srv_…": whose limit this counts. */
  scope: string;
  window: string;
  window_start: Millis;
  count: number;
}

export interface SettingsTable {
  key: string;
  value: JsonText;
  updated_at: Millis;
  updated_by: string | null;
}

export interface RoutingTables {
  settings: SettingsTable;
  purposes: PurposesTable;
  send_counters: SendCountersTable;
}
