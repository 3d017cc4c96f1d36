import { sql, type Kysely } from 'kysely';
import type { EventJournalRepository, JournalEntry } from '../../core/kernel/event-journal.js';
import type { StoreCapabilities } from '../../core/ports.js';
import { queryTemplate } from '../statement-cache.js';
import type { DB } from '../schema.js';

// Written once per message outcome, in the outbox's own commit: compiled once, prepared on PostgreSQL.
const insertEntry = queryTemplate<'id' | 'type' | 'message_id' | 'at' | 'data' | 'pending'>((db, slot) =>
  db.insertInto('event_journal').values({ id: slot('id'), type: slot('type'), message_id: slot('message_id'), at: slot('at'), data: slot('data'), pending: slot('pending') }),
);

/** Whether a webhook endpoint is enabled, asked in the transaction that would journal (see append). */
const anyEnabledEndpoint = queryTemplate<never>((db) => db.selectFrom('webhook_endpoints').select('id').where('enabled', '=', 1).limit(1));

/** `pending = 1` as a literal: a planner matches the partial index against constants only. */
const UNREAD = sql<boolean>`pending = 1`;

export function eventJournalRepository(db: Kysely<DB>, caps: StoreCapabilities): EventJournalRepository {
  // Asked once per transaction: a group commit appends for every message of its batch (a
  // statement each was a twentieth of the SQLite statements' time per message), and the batch
  // commits as one, so it is judged at one instant either way. Outside a transaction (db is
  // the process's own handle) every append asks afresh.
  let enabledInTransaction: Promise<boolean> | undefined;
  const anyEnabled = () => {
    if (!db.isTransaction) return anyEnabledEndpoint(db, {}).then((r) => r.rows.length > 0);
    enabledInTransaction ??= anyEnabledEndpoint(db, {}).then((r) => r.rows.length > 0);
    return enabledInTransaction;
  };
  const toEntry = (r: { id: string; type: string; message_id: string | null; at: number; data: string }): JournalEntry => ({ id: r.id, type: r.type, messageId: r.message_id, at: Number(r.at), data: r.data });
  return {
    async append(entries, opts) {
      const pending = opts?.read ? 0 : 1;
      if (!entries.length || (pending && !(await anyEnabled()))) return;
      for (const e of entries) await insertEntry(db, { id: e.id, type: e.type, message_id: e.messageId, at: e.at, data: e.data, pending });
    },
    async unread(limit) {
      let q = db.selectFrom('event_journal').select(['id', 'type', 'message_id', 'at', 'data']).where(UNREAD).orderBy('id').limit(limit);
      // Another worker's fan-out skips the rows this one is reading (PostgreSQL scale-out).
      if (caps.supportsSkipLocked) q = q.forUpdate().skipLocked();
      return (await q.execute()).map(toEntry);
    },
    async markRead(keep, drop) {
      if (keep.length) await db.updateTable('event_journal').set({ pending: 0 }).where('id', 'in', keep).execute();
      if (drop.length) await db.deleteFrom('event_journal').where('id', 'in', drop).execute();
    },
    async get(id) {
      const r = await db.selectFrom('event_journal').select(['id', 'type', 'message_id', 'at', 'data']).where('id', '=', id).executeTakeFirst();
      return r && toEntry(r);
    },
  };
}
