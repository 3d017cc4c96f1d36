import type { Kysely, Selectable } from 'kysely';
import type { PurposeRepository } from '../../core/routing/ports.js';
import type { Purpose } from '../../core/routing/purposes.js';
import type { DB } from '../schema.js';
import type { PurposesTable } from '../schema/routing.js';
import { flag, fromJson, toJson } from '../json.js';

function toPurpose(r: Selectable<PurposesTable>): Purpose {
  return {
    key: r.key,
    builtin: r.builtin === 1,
    description: r.description,
    enabled: r.enabled === 1,
    accountIds: fromJson<string[]>(r.account_ids, []),
    priority: r.priority,
    expireAfterSec: r.expire_after_sec,
    globalCopies: r.global_copies === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: r.version,
  };
}

function toRow(p: Purpose): Selectable<PurposesTable> {
  return {
    key: p.key,
    builtin: flag(p.builtin),
    description: p.description,
    enabled: flag(p.enabled),
    account_ids: toJson(p.accountIds),
    priority: p.priority,
    expire_after_sec: p.expireAfterSec,
    global_copies: flag(p.globalCopies),
    created_at: p.createdAt,
    updated_at: p.updatedAt,
    version: p.version,
  };
}

export function purposesRepository(db: Kysely<DB>): PurposeRepository {
  return {
    async list() {
      // Most urgent first: the order admins think about them in.
      const rows = await db.selectFrom('purposes').selectAll().orderBy('priority', 'desc').orderBy('key').execute();
      return rows.map(toPurpose);
    },
    async get(key) {
      const r = await db.selectFrom('purposes').selectAll().where('key', '=', key).executeTakeFirst();
      return r && toPurpose(r);
    },
    async insert(p) {
      await db.insertInto('purposes').values(toRow(p)).execute();
    },
    async insertIfMissing(p) {
      const res = await db
        .insertInto('purposes')
        .values(toRow(p))
        .onConflict((oc) => oc.column('key').doNothing())
        .executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async update(next, expectedVersion) {
      const { key: _k, created_at: _c, builtin: _b, ...row } = toRow(next);
      const res = await db.updateTable('purposes').set(row).where('key', '=', next.key).where('version', '=', expectedVersion).executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
    async delete(key) {
      await db.deleteFrom('purposes').where('key', '=', key).execute();
    },
  };
}
