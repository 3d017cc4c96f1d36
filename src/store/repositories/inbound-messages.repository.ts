import { sql, type Kysely } from 'kysely';
import { addressees } from '../../core/inbound/addressees.js';
import type { InboundMessageRepository } from '../../core/inbound/ports.js';
import { fromJson } from '../json.js';
import type { DB } from '../schema.js';
import { toRecord, toRow } from './messages.repository.js';

/** Recipient statuses a delivery status notification may still overturn. */
const BOUNCEABLE = ['accepted', 'pending', 'deferred'];

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
      const res = await db
        .updateTable('message_recipients')
        .set({ status: 'bounced', code: status.code, enhanced_code: status.enhancedCode, response: status.response, updated_at: now })
        .where('message_id', '=', messageId)
        .where(sql<boolean>`lower(address) = ${address.toLowerCase()}`)
        .where('status', 'in', BOUNCEABLE)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) return false;
      // Bounced as a whole once nobody it was sent to still counts as delivered.
      await db
        .updateTable('messages')
        .set({ status: 'bounced', last_error: status.response, updated_at: now })
        .where('id', '=', messageId)
        .where('status', 'in', ['sent', 'logged'])
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('message_recipients as r').select('r.address').where('r.message_id', '=', messageId).where('r.status', '=', 'accepted'))))
        .execute();
      return true;
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
