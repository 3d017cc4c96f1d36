import type { Kysely, Selectable } from 'kysely';
import type { MailboxRepository, MailboxState } from '../../core/inbound/ports.js';
import type { DB } from '../schema.js';
import type { InboundMailboxesTable } from '../schema/inbound.js';

function toState(r: Selectable<InboundMailboxesTable>): MailboxState {
  const n = (v: number | string | null) => (v === null ? null : Number(v));
  return {
    accountId: r.account_id,
    folder: r.folder,
    uidValidity: r.uid_validity,
    lastUid: Number(r.last_uid),
    storedCount: r.stored_count,
    quarantinedCount: r.quarantined_count,
    duplicateCount: r.duplicate_count,
    state: r.state as MailboxState['state'],
    lastSyncAt: n(r.last_sync_at),
    lastError: r.last_error,
    failures: r.failures,
    nextAttemptAt: n(r.next_attempt_at),
    leaseOwner: r.lease_owner,
    leaseUntil: n(r.lease_until),
    updatedAt: Number(r.updated_at),
  };
}

export function mailboxesRepository(db: Kysely<DB>): MailboxRepository {
  const mailbox = (accountId: string, folder: string) => db.updateTable('inbound_mailboxes').where('account_id', '=', accountId).where('folder', '=', folder);
  return {
    async list(accountId) {
      let q = db.selectFrom('inbound_mailboxes').selectAll().orderBy('account_id').orderBy('folder');
      if (accountId) q = q.where('account_id', '=', accountId);
      return (await q.execute()).map(toState);
    },
    async get(accountId, folder) {
      const r = await db.selectFrom('inbound_mailboxes').selectAll().where('account_id', '=', accountId).where('folder', '=', folder).executeTakeFirst();
      return r && toState(r);
    },
    async acquire(accountId, folder, owner, now, leaseUntil) {
      await db
        .insertInto('inbound_mailboxes')
        .values({ account_id: accountId, folder, uid_validity: null, last_uid: 0, stored_count: 0, quarantined_count: 0, state: 'idle', last_sync_at: null, last_error: null, failures: 0, next_attempt_at: null, lease_owner: null, lease_until: null, updated_at: now })
        .onConflict((oc) => oc.columns(['account_id', 'folder']).doNothing())
        .execute();
      // One conditional UPDATE: of two processes racing for a free lease, exactly one matches.
      const res = await mailbox(accountId, folder)
        .set({ lease_owner: owner, lease_until: leaseUntil })
        .where((eb) => eb.or([eb('lease_owner', 'is', null), eb('lease_owner', '=', owner), eb('lease_until', '<', now)]))
        .executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    async release(accountId, folder, owner) {
      await mailbox(accountId, folder).set({ lease_owner: null, lease_until: null }).where('lease_owner', '=', owner).execute();
    },
    async advance(accountId, folder, owner, cursor, now) {
      const res = await mailbox(accountId, folder)
        .set((eb) => ({
          uid_validity: cursor.uidValidity,
          last_uid: cursor.uid,
          stored_count: eb('stored_count', '+', cursor.stored),
          quarantined_count: eb('quarantined_count', '+', cursor.quarantined),
          duplicate_count: eb('duplicate_count', '+', cursor.duplicates ?? 0),
          updated_at: now,
        }))
        .where('lease_owner', '=', owner)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    async seenOwedFrom(accountId, folder) {
      const r = await db.selectFrom('inbound_mailboxes').select('seen_owed_from').where('account_id', '=', accountId).where('folder', '=', folder).executeTakeFirst();
      return r?.seen_owed_from == null ? undefined : Number(r.seen_owed_from);
    },
    async oweSeen(accountId, folder, owner, uid) {
      const res = await mailbox(accountId, folder)
        .set((eb) => ({ seen_owed_from: eb.fn.coalesce('seen_owed_from', eb.val(uid)) }))
        .where('lease_owner', '=', owner)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    async seenSettled(accountId, folder, owner) {
      const res = await mailbox(accountId, folder).set({ seen_owed_from: null }).where('lease_owner', '=', owner).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    async report(accountId, folder, patch, now) {
      await mailbox(accountId, folder)
        .set({
          state: patch.state,
          last_error: patch.lastError,
          failures: patch.failures,
          next_attempt_at: patch.nextAttemptAt,
          ...(patch.lastSyncAt !== undefined ? { last_sync_at: patch.lastSyncAt } : {}),
          updated_at: now,
        })
        .execute();
    },
    async prune(accountId, keepFolders) {
      let q = db.deleteFrom('inbound_mailboxes').where('account_id', '=', accountId);
      if (keepFolders.length) q = q.where('folder', 'not in', keepFolders);
      await q.execute();
    },
  };
}
