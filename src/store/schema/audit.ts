import type { Millis, JsonText } from './columns.js';

export interface AuditTable {
  id: string;
  at: Millis;
  actor: string;
  action: string;
  target_type: string;
  target_id: string | null;
  before: JsonText | null;
  after: JsonText | null;
  ip: string | null;
}

export interface AuditTables {
  audit: AuditTable;
}
