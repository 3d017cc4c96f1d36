import type { Kysely, Selectable } from 'kysely';
import type { AuditEntry, AuditRepository, AuditState } from '../../core/kernel/audit.js';
import type { DB } from '../schema.js';
import { assertCursorRow, keysetPage } from '../pages.js';
import { fromJson, toJson } from '../json.js';

const entryOf = (r: Selectable<DB['audit']>): AuditEntry => ({
  id: r.id,
  at: r.at,
  actor: r.actor,
  action: r.action,
  targetType: r.target_type,
  targetId: r.target_id,
  // null, not undefined, where nothing was recorded: both fields are on every entry read.
  before: fromJson<AuditState>(r.before, null),
  after: fromJson<AuditState>(r.after, null),
  ip: r.ip,
});

/** `scans`: where its pages are read (SQLite: the connection off the event loop, see messagesRepository); `db` unless given. */
export function auditRepository(db: Kysely<DB>, scans: Kysely<DB> = db): AuditRepository {
  return {
    async append(e) {
      await db
        .insertInto('audit')
        .values({
          id: e.id,
          at: e.at,
          actor: e.actor,
          action: e.action,
          target_type: e.targetType,
          target_id: e.targetId,
          before: e.before === undefined ? null : toJson(e.before),
          after: e.after === undefined ? null : toJson(e.after),
          ip: e.ip,
        })
        .execute();
    },
    async list(q) {
      if (q.cursor) await assertCursorRow(scans.selectFrom('audit').select('id').where('id', '=', q.cursor));
      // ids are time-ordered, so "older than the cursor" is "id below the cursor".
      let sel = scans.selectFrom('audit').selectAll().orderBy('id', 'desc').limit(q.limit + 1);
      if (q.cursor) sel = sel.where('id', '<', q.cursor);
      if (q.action) sel = sel.where('action', '=', q.action);
      if (q.targetType) sel = sel.where('target_type', '=', q.targetType);
      if (q.targetId) sel = sel.where('target_id', '=', q.targetId);
      if (q.actor) sel = sel.where('actor', '=', q.actor);
      return keysetPage(await sel.execute(), q.limit, entryOf);
    },
    async latest(target, actions) {
      if (!actions.length) return undefined;
      // audit_target_idx finds the target's entries; an item has few that record it whole.
      const row = await scans
        .selectFrom('audit')
        .selectAll()
        .where('target_type', '=', target.type)
        .where('target_id', '=', target.id)
        .where('action', 'in', [...actions])
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row && entryOf(row);
    },
  };
}
