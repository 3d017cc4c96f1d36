import type { Kysely } from 'kysely';
import type { LayoutRepository } from '../../core/templates/ports.js';
import type { Layout } from '../../core/templates/templates.js';
import type { DB } from '../schema.js';
import type { LayoutsTable } from '../schema/templates.js';
import { bool, rowMapping, same } from './row-mapping.js';
import { updatedAtVersion } from './versioned.js';

const layout = rowMapping<Layout, LayoutsTable>()({
  key: same,
  name: same,
  html: same,
  text: same,
  builtIn: bool,
  version: same,
  createdAt: same,
  updatedAt: same,
  updatedBy: same,
});

export function layoutsRepository(db: Kysely<DB>): LayoutRepository {
  return {
    async list() {
      return (await db.selectFrom('layouts').selectAll().orderBy('key').execute()).map(layout.toDomain);
    },
    async get(key) {
      const r = await db.selectFrom('layouts').selectAll().where('key', '=', key).executeTakeFirst();
      return r && layout.toDomain(r);
    },
    async insert(l) {
      await db.insertInto('layouts').values(layout.toRow(l)).execute();
    },
    async insertIfMissing(l) {
      const res = await db
        .insertInto('layouts')
        .values(layout.toRow(l))
        .onConflict((oc) => oc.column('key').doNothing())
        .executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async update(l, expectedVersion) {
      const { key: _k, created_at: _c, built_in: _b, ...row } = layout.toRow(l);
      return updatedAtVersion(db.updateTable('layouts').set(row).where('key', '=', l.key), expectedVersion);
    },
    async delete(key) {
      await db.deleteFrom('layouts').where('key', '=', key).execute();
    },
  };
}
