import { sql, type Kysely, type Selectable } from 'kysely';
import type { Mailbox } from '../../core/kernel/addresses.js';
import type { AutoReplyRepository, EventMatch, NotifyEventRepository, RuleRepository, StoredEvent } from '../../core/notify/ports.js';
import type { Rule } from '../../core/notify/rules.js';
import { flag, fromJson, toJson } from '../json.js';
import type { DB } from '../schema.js';
import type { NotifyEventsTable, NotifyRulesTable } from '../schema/notify.js';

function toRule(r: Selectable<NotifyRulesTable>): Rule {
  return {
    id: r.id,
    name: r.name,
    enabled: r.enabled === 1,
    priority: Number(r.priority),
    events: fromJson<string[]>(r.events, []),
    conditions: fromJson<Rule['conditions']>(r.conditions, []),
    recipients: fromJson<Rule['recipients']>(r.recipients, { roles: [], addresses: [] }),
    template: r.template,
    accountId: r.account_id,
    purpose: r.purpose,
    continue: r.continue_matching === 1,
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    version: r.version,
  };
}

function ruleRow(r: Rule): NotifyRulesTable {
  return {
    id: r.id,
    name: r.name,
    enabled: flag(r.enabled),
    priority: r.priority,
    events: toJson(r.events),
    conditions: toJson(r.conditions),
    recipients: toJson(r.recipients),
    template: r.template,
    account_id: r.accountId,
    purpose: r.purpose,
    continue_matching: flag(r.continue),
    created_by: r.createdBy,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    version: r.version,
  };
}

export function rulesRepository(db: Kysely<DB>): RuleRepository {
  return {
    async list() {
      return (await db.selectFrom('notify_rules').selectAll().orderBy('priority').orderBy('created_at').orderBy('id').execute()).map(toRule);
    },
    async get(id) {
      const r = await db.selectFrom('notify_rules').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toRule(r);
    },
    async insert(rule) {
      await db.insertInto('notify_rules').values(ruleRow(rule)).execute();
    },
    async update(rule, expectedVersion) {
      const res = await db.updateTable('notify_rules').set(ruleRow(rule)).where('id', '=', rule.id).where('version', '=', expectedVersion).executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
    async delete(id) {
      await db.deleteFrom('notify_rules').where('id', '=', id).execute();
    },
  };
}

function toEvent(r: Selectable<NotifyEventsTable>): StoredEvent {
  return {
    id: r.id,
    type: r.type,
    occurredAt: Number(r.occurred_at),
    receivedAt: Number(r.received_at),
    data: fromJson<Record<string, unknown>>(r.data, {}),
    recipients: fromJson<Record<string, Mailbox[]>>(r.recipients, {}),
    locale: r.locale,
    createdBy: r.created_by,
    matches: fromJson<EventMatch[]>(r.matches, []),
    messageCount: r.message_count,
  };
}

export function notifyEventsRepository(db: Kysely<DB>): NotifyEventRepository {
  return {
    async get(id) {
      const r = await db.selectFrom('notify_events').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toEvent(r);
    },
    async insert(e) {
      await db
        .insertInto('notify_events')
        .values({
          id: e.id,
          type: e.type,
          occurred_at: e.occurredAt,
          received_at: e.receivedAt,
          data: toJson(e.data),
          recipients: toJson(e.recipients),
          locale: e.locale,
          created_by: e.createdBy,
          matches: toJson(e.matches),
          message_count: e.messageCount,
        })
        .execute();
      const links = e.matches.flatMap((m) => m.messageIds.map((messageId) => ({ message_id: messageId, event_id: e.id, rule_id: m.ruleId })));
      if (links.length) await db.insertInto('notify_event_messages').values(links).execute();
    },
    async list(q) {
      let query = db.selectFrom('notify_events').selectAll();
      if (q.type) query = query.where('type', '=', q.type);
      const before = q.before;
      if (before) query = query.where((eb) => eb.or([eb('received_at', '<', before.receivedAt), eb.and([eb('received_at', '=', before.receivedAt), eb('id', '<', before.id)])]));
      return (await query.orderBy('received_at', 'desc').orderBy('id', 'desc').limit(q.limit).execute()).map(toEvent);
    },
    async eventOfMessage(messageId) {
      const r = await db.selectFrom('notify_event_messages').select(['event_id', 'rule_id']).where('message_id', '=', messageId).executeTakeFirst();
      return r && { eventId: r.event_id, ruleId: r.rule_id };
    },
  };
}

export function autoRepliesRepository(db: Kysely<DB>): AutoReplyRepository {
  return {
    async claim(address, now, since) {
      // One statement on both dialects: insert, or move the time forward only when the last answer is old enough.
      const r = await db
        .insertInto('auto_replies')
        .values({ address, last_sent_at: now })
        .onConflict((oc) => oc.column('address').doUpdateSet({ last_sent_at: now }).where(sql.ref('auto_replies.last_sent_at'), '<=', since))
        .returning('address')
        .executeTakeFirst();
      return r !== undefined;
    },
  };
}
