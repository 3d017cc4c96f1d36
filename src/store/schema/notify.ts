import type { Flag, JsonText, Millis } from './columns.js';

/** A notification rule: which events, under which conditions, who is told with which template. */
export interface NotifyRulesTable {
  id: string;
  name: string;
  enabled: Flag;
  priority: number;
  /** Event type patterns, JSON list. */
  events: JsonText;
  /** `[{ path, op, value? }]`, JSON. */
  conditions: JsonText;
  /** `{ roles: [], addresses: [] }`, JSON. */
  recipients: JsonText;
  template: string;
  account_id: string | null;
  purpose: string | null;
  continue_matching: Flag;
  created_by: string | null;
  created_at: Millis;
  updated_at: Millis;
  version: number;
}

/** An event an application raised, with what the rules made of it. */
export interface NotifyEventsTable {
  /** The application's id (or Mailroom's evt_… when it gave none): the idempotency key. */
  id: string;
  type: string;
  occurred_at: Millis;
  received_at: Millis;
  data: JsonText;
  /** `{ "<role>": ["addr", …] }`, JSON. */
  recipients: JsonText;
  locale: string | null;
  created_by: string | null;
  /** SHA-256 (hex) of the request that raised it: the same id with another body is refused. Null before migration 025. */
  request_hash: string | null;
  /** `[{ ruleId, ruleName, messageIds, skipped? }]`, JSON. */
  matches: JsonText;
  message_count: number;
}

export interface NotifyEventMessagesTable {
  message_id: string;
  event_id: string;
  rule_id: string;
}

/** When each address (lower case) last got a contact auto-reply. */
export interface AutoRepliesTable {
  address: string;
  last_sent_at: Millis;
}

export interface NotifyTables {
  notify_rules: NotifyRulesTable;
  notify_events: NotifyEventsTable;
  notify_event_messages: NotifyEventMessagesTable;
  auto_replies: AutoRepliesTable;
}
