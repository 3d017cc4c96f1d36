import type { Kysely } from 'kysely';
import type { PurposeRepository } from '../../core/routing/ports.js';
import type { Purpose } from '../../core/routing/purposes.js';
import type { DB } from '../schema.js';
import type { PurposesTable } from '../schema/routing.js';
import { bool, json, rowMapping, same } from './row-mapping.js';
import { updatedAtVersion } from './versioned.js';

const purpose = rowMapping<Purpose, PurposesTable>()({
  key: same,
  builtin: bool,
  description: same,
  enabled: bool,
  accountIds: json<string[]>([]),
  priority: same,
  expireAfterSec: same,
  globalCopies: bool,
  createdAt: same,
  updatedAt: same,
  version: same,
});

export function purposesRepository(db: Kysely<DB>): PurposeRepository {
  return {
    async list() {
      // Most urgent first: the order admins think about them in.
      const rows = await db.selectFrom('purposes').selectAll().orderBy('priority', 'desc').orderBy('key').execute();
      return rows.map(purpose.toDomain);
    },
    async get(key) {
      const r = await db.selectFrom('purposes').selectAll().where('key', '=', key).executeTakeFirst();
      return r && purpose.toDomain(r);
    },
    async insert(p) {
      await db.insertInto('purposes').values(purpose.toRow(p)).execute();
    },
    async insertIfMissing(p) {
      const res = await db
        .insertInto('purposes')
        .values(purpose.toRow(p))
        .onConflict((oc) => oc.column('key').doNothing())
        .executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async update(next, expectedVersion) {
      const { key: _k, created_at: _c, builtin: _b, ...row } = purpose.toRow(next);
      return updatedAtVersion(db.updateTable('purposes').set(row).where('key', '=', next.key), expectedVersion);
    },
    async delete(key) {
      await db.deleteFrom('purposes').where('key', '=', key).execute();
    },
  };
}
