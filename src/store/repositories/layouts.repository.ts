import type { Kysely, Selectable } from 'kysely';
import type { LayoutRepository } from '../../core/templates/ports.js';
import type { Layout } from '../../core/templates/templates.js';
import { flag } from '../json.js';
import type { DB } from '../schema.js';
import type { LayoutsTable } from '../schema/templates.js';
import { updatedAtVersion } from './versioned.js';

function toLayout(r: Selectable<LayoutsTable>): Layout {
  return { key: r.key, name: r.name, html: r.html, text: r.text, builtIn: r.built_in === 1, version: r.version, createdAt: r.created_at, updatedAt: r.updated_at, updatedBy: r.updated_by };
}

function toRow(l: Layout): Selectable<LayoutsTable> {
  return { key: l.key, name: l.name, html: l.html, text: l.text, built_in: flag(l.builtIn), version: l.version, created_at: l.createdAt, updated_at: l.updatedAt, updated_by: l.updatedBy };
}

export function layoutsRepository(db: Kysely<DB>): LayoutRepository {
  return {
    async list() {
      return (await db.selectFrom('layouts').selectAll().orderBy('key').execute()).map(toLayout);
    },
    async get(key) {
      const r = await db.selectFrom('layouts').selectAll().where('key', '=', key).executeTakeFirst();
      return r && toLayout(r);
    },
    async insert(l) {
      await db.insertInto('layouts').values(toRow(l)).execute();
    },
    async insertIfMissing(l) {
      const res = await db
        .insertInto('layouts')
        .values(toRow(l))
        .onConflict((oc) => oc.column('key').doNothing())
        .executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async update(l, expectedVersion) {
      const { key: _k, created_at: _c, built_in: _b, ...row } = toRow(l);
      return updatedAtVersion(db.updateTable('layouts').set(row).where('key', '=', l.key), expectedVersion);
    },
    async delete(key) {
      await db.deleteFrom('layouts').where('key', '=', key).execute();
    },
  };
}
