import { sql, type Kysely } from 'kysely';
import { addressees } from '../../core/inbound/addressees.js';
import { bounceClass } from '../../core/inbound/classify.js';
import type { InboundMessageRepository } from '../../core/inbound/ports.js';
import { fromJson } from '../json.js';
import type { DB } from '../schema.js';
import { toRecord, toRow } from './messages.repository.js';

/** Recipient statuses a delivery status notification may still overturn. */
const BOUNCEABLE: readonly string[] = ['accepted', 'pending', 'deferred'];

/**
 * Whether a bounce with `enhancedCode` changes a recipient as it stands: one still counted as
 * delivered (or on its way) is marked; one bounced without a permanent failure (4.x.x, or a
 * plain-text notice that gave no status) is marked again by a permanent one (5.x.x), which is
 * what the suppression list acts on. A second failure that is not permanent, or anything after
 * a permanent one, is the same news again: it changes nothing, and says nothing.
 */
function overturns(rcpt: { status: string; enhanced_code: string | null }, enhancedCode: string | null): boolean {
  if (BOUNCEABLE.includes(rcpt.status)) return true;
  return rcpt.status === 'bounced' && bounceClass(rcpt.enhanced_code) !== 'hard' && bounceClass(enhancedCode) === 'hard';
}

export function inboundMessagesRepository(db: Kysely<DB>): InboundMessageRepository {
  return {
    async insertInbound(m) {
      const res = await db
        .insertInto('messages')
        .values(toRow(m))
        // The partial unique index (migration 015); its predicate as a literal so PostgreSQL can match it.
        .onConflict((oc) => oc.columns(['account_id', 'message_id_header']).where(sql<boolean>`direction = 'in'`).doNothing())
        .executeTakeFirst();
      if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) return false;
      // At most 400 (To and Cc are cut at 200 each by the parser): one statement.
      const keys = addressees(m);
      if (keys.length) await db.insertInto('received_addressees').values(keys.map((address) => ({ message_id: m.id, address }))).execute();
      return true;
    },
    async inboundByMessageId(accountId, messageIdHeader) {
      const r = await db
        .selectFrom('messages')
        .select(['id', 'from_addr', 'subject', 'sent_at'])
        .where('direction', '=', 'in')
        .where('account_id', '=', accountId)
        .where('message_id_header', '=', messageIdHeader)
        .executeTakeFirst();
      return r && { id: r.id, from: fromJson(r.from_addr, { address: '' }), subject: r.subject, sentAt: r.sent_at };
    },
    async findOutboundByMessageIds(ids) {
      if (!ids.length) return [];
      const rows = await db.selectFrom('messages').selectAll().where('direction', '=', 'out').where('message_id_header', 'in', ids).execute();
      return rows.map(toRecord);
    },
    async linked(outboundId) {
      const rows = await db.selectFrom('messages').selectAll().where('in_reply_to', '=', outboundId).orderBy('id').execute();
      return rows.map(toRecord);
    },
    async setRead(id, read, now) {
      const res = await db.updateTable('messages').set({ is_read: read ? 1 : 0, updated_at: now }).where('id', '=', id).where('direction', '=', 'in').executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    async unreadCount() {
      const r = await db.selectFrom('messages').select((eb) => eb.fn.countAll<string | number>().as('n')).where('direction', '=', 'in').where('is_read', '=', 0).executeTakeFirstOrThrow();
      return Number(r.n);
    },
    async markBounced(messageId, address, status, now) {
      let marked = false;
      let newlyBounced = false;
      const replaced: string[] = [];
      for (const before of await recipientsByAddress(db, messageId, address)) {
        if (!overturns(before, status.enhancedCode) || !(await markIfUnchanged(db, messageId, before, status, now))) continue;
        marked = true;
        if (before.status !== 'bounced') newlyBounced = true;
        else if (before.response !== null) replaced.push(before.response);
      }
      if (newlyBounced) await bounceAsAWhole(db, messageId, status.response, now);
      // A permanent failure replacing a temporary one: the recipient did not count as delivered
      // before either, so the message's status stays; one bounced as a whole shows it instead.
      if (replaced.length) await db.updateTable('messages').set({ last_error: status.response, updated_at: now }).where('id', '=', messageId).where('status', '=', 'bounced').where('last_error', 'in', replaced).execute();
      return marked;
    },
    async settleConfirmation(messageId, outcome, now) {
      const res = await db.updateTable('messages').set({ confirmation: outcome, updated_at: now }).where('id', '=', messageId).where('direction', '=', 'out').where('confirmation', '=', 'pending').executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    async softBouncesSince(address, since) {
      const r = await db
        .selectFrom('message_recipients')
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .where(sql<boolean>`lower(address) = ${address.toLowerCase()}`)
        .where('status', '=', 'bounced')
        .where('enhanced_code', 'like', '4.%')
        .where('updated_at', '>=', since)
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },
  };
}

type RecipientState = { address: string; status: string; enhanced_code: string | null; response: string | null };

/** The message's recipient rows for an address, whatever its case. */
function recipientsByAddress(db: Kysely<DB>, messageId: string, address: string): Promise<RecipientState[]> {
  return db
    .selectFrom('message_recipients')
    .select(['address', 'status', 'enhanced_code', 'response'])
    .where('message_id', '=', messageId)
    .where(sql<boolean>`lower(address) = ${address.toLowerCase()}`)
    .execute();
}

/**
 * Marks the recipient bounced if it is still as read: a concurrent bounce of the same recipient
 * (another folder's reader, on PostgreSQL) marks it once, and the other one changes nothing.
 */
async function markIfUnchanged(db: Kysely<DB>, messageId: string, before: RecipientState, status: { enhancedCode: string | null; code: number | null; response: string }, now: number): Promise<boolean> {
  const res = await db
    .updateTable('message_recipients')
    .set({ status: 'bounced', code: status.code, enhanced_code: status.enhancedCode, response: status.response, updated_at: now })
    .where('message_id', '=', messageId)
    .where('address', '=', before.address)
    .where('status', '=', before.status)
    .where((eb) => (before.enhanced_code === null ? eb('enhanced_code', 'is', null) : eb('enhanced_code', '=', before.enhanced_code)))
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Bounced as a whole once nobody it was sent to still counts as delivered. */
async function bounceAsAWhole(db: Kysely<DB>, messageId: string, response: string, now: number): Promise<void> {
  await db
    .updateTable('messages')
    .set({ status: 'bounced', last_error: response, updated_at: now })
    .where('id', '=', messageId)
    .where('status', 'in', ['sent', 'logged'])
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('message_recipients as r').select('r.address').where('r.message_id', '=', messageId).where('r.status', '=', 'accepted'))))
    .execute();
}
