import { sql, type Kysely } from 'kysely';
import type { Mailbox } from '../../core/kernel/addresses.js';
import type { AutoReplyRepository, EventMatch, NotifyEventRepository, RuleRepository, StoredEvent } from '../../core/notify/ports.js';
import type { Rule } from '../../core/notify/rules.js';
import type { DB } from '../schema.js';
import { assertCursorRow } from '../pages.js';
import type { NotifyEventsTable, NotifyRulesTable } from '../schema/notify.js';
import { bool, json, renamed, rowMapping, same } from './row-mapping.js';
import { keyedTable } from './keyed-table.js';

const rule = rowMapping<Rule, NotifyRulesTable>()({
  id: same,
  name: same,
  enabled: bool,
  priority: same,
  events: json<string[]>([]),
  conditions: json<Rule['conditions']>([]),
  recipients: json<Rule['recipients']>({ roles: [], addresses: [] }),
  template: same,
  accountId: same,
  purpose: same,
  continue: renamed('continue_matching', bool),
  createdBy: same,
  createdAt: same,
  updatedAt: same,
  version: same,
});

const RULE_REFERENCES = { accountId: 'account_id', template: 'template', purpose: 'purpose' } as const;

export function rulesRepository(db: Kysely<DB>): RuleRepository {
  return {
    ...keyedTable(db, { table: 'notify_rules', key: 'id', mapping: rule, order: ['priority', 'created_at', 'id'], fixed: ['created_at'] }),
    async naming(field, value) {
      const rows = await db.selectFrom('notify_rules').selectAll().where(RULE_REFERENCES[field], '=', value).orderBy('priority').orderBy('created_at').orderBy('id').execute();
      return rows.map(rule.toDomain);
    },
    async versions() {
      const rows = await db.selectFrom('notify_rules').select(['id', 'version']).execute();
      return rows.map((r) => ({ id: r.id, version: Number(r.version) }));
    },
  };
}

const event = rowMapping<StoredEvent, NotifyEventsTable>()({
  id: same,
  type: same,
  occurredAt: same,
  receivedAt: same,
  data: json<Record<string, unknown>>({}),
  recipients: json<Record<string, Mailbox[]>>({}),
  locale: same,
  createdBy: same,
  requestHash: same,
  matches: json<EventMatch[]>([]),
  messageCount: same,
});

/** `scans`: where its pages are read (SQLite: the connection off the event loop, see messagesRepository); `db` unless given. */
export function notifyEventsRepository(db: Kysely<DB>, scans: Kysely<DB> = db): NotifyEventRepository {
  return {
    async get(id) {
      const r = await db.selectFrom('notify_events').selectAll().where('id', '=', id).executeTakeFirst();
      return r && event.toDomain(r);
    },
    async insert(e) {
      await db.insertInto('notify_events').values(event.toRow(e)).execute();
      const links = e.matches.flatMap((m) => m.messageIds.map((messageId) => ({ message_id: messageId, event_id: e.id, rule_id: m.ruleId })));
      if (links.length) await db.insertInto('notify_event_messages').values(links).execute();
    },
    async list(q) {
      const before = q.before;
      // The position is the last event of a page handed out: that event, received then.
      if (before) await assertCursorRow(scans.selectFrom('notify_events').select('id').where('id', '=', before.id).where('received_at', '=', before.receivedAt));
      let query = scans.selectFrom('notify_events').selectAll();
      if (q.type) query = query.where('type', '=', q.type);
      if (before) query = query.where((eb) => eb.or([eb('received_at', '<', before.receivedAt), eb.and([eb('received_at', '=', before.receivedAt), eb('id', '<', before.id)])]));
      return (await query.orderBy('received_at', 'desc').orderBy('id', 'desc').limit(q.limit).execute()).map(event.toDomain);
    },
    async eventOfMessage(messageId) {
      const r = await db.selectFrom('notify_event_messages').select(['event_id', 'rule_id']).where('message_id', '=', messageId).executeTakeFirst();
      return r && { eventId: r.event_id, ruleId: r.rule_id };
    },
    async deleteUnlinked({ before, after, limit }) {
      // A window of the (received_at, id) index, oldest first, from where the last one ended:
      // ids are the applications' own, so only the index orders them by time.
      let scan = db.selectFrom('notify_events').select(['received_at', 'id']).where('received_at', '<', before).orderBy('received_at').orderBy('id').limit(limit);
      if (after !== undefined) {
        const [receivedAt, id] = JSON.parse(after) as [number, string];
        scan = scan.where((eb) => eb.or([eb('received_at', '>', receivedAt), eb.and([eb('received_at', '=', receivedAt), eb('id', '>', id)])]));
      }
      const window = await scan.execute();
      if (!window.length) return { deleted: 0, next: null };
      const last = window[window.length - 1];
      const next = window.length < limit ? null : JSON.stringify([Number(last.received_at), last.id]);
      // Links are only ever written with their event, so one found gone here stays gone.
      const res = await db
        .deleteFrom('notify_events')
        .where('id', 'in', window.map((r) => r.id))
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('notify_event_messages as l').select('l.message_id').whereRef('l.event_id', '=', 'notify_events.id'))))
        .executeTakeFirst();
      return { deleted: Number(res.numDeletedRows), next };
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
    async answeredSince(address, since) {
      // The claim's own test, read only: answered after `since` is what makes claim refuse.
      const r = await db.selectFrom('auto_replies').select('address').where('address', '=', address).where('last_sent_at', '>', since).executeTakeFirst();
      return r !== undefined;
    },
    async forgetBefore(before) {
      return Number((await db.deleteFrom('auto_replies').where('last_sent_at', '<', before).executeTakeFirst()).numDeletedRows);
    },
  };
}
