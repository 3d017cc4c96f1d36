import { sql, type Kysely, type Selectable } from 'kysely';
import type { TemplateRepository } from '../../core/templates/ports.js';
import type { Template, TemplateDraft, TemplateVersion } from '../../core/templates/templates.js';
import { flag, fromJson, toJson } from '../json.js';
import type { DB } from '../schema.js';
import type { TemplatesTable, TemplateVersionsTable } from '../schema/templates.js';
import { updatedAtVersion } from './versioned.js';

/** The columns a template and its versions share: name, purpose, layout, sources, sample data. */
const draft = (r: Selectable<TemplatesTable> | Selectable<TemplateVersionsTable>): TemplateDraft => ({
  name: r.name,
  purpose: r.purpose,
  layout: r.layout,
  locales: fromJson(r.locales, {}),
  sampleData: fromJson(r.sample_data, {}),
});

function toTemplate(r: Selectable<TemplatesTable>): Template {
  return {
    key: r.key,
    ...draft(r),
    builtIn: r.built_in === 1,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    updatedBy: r.updated_by,
  };
}

function toRow(t: Template): Selectable<TemplatesTable> {
  return {
    key: t.key,
    name: t.name,
    purpose: t.purpose,
    layout: t.layout,
    locales: toJson(t.locales),
    sample_data: toJson(t.sampleData),
    built_in: flag(t.builtIn),
    version: t.version,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
    updated_by: t.updatedBy,
  };
}

/** The history row of a template's version: the same sources, stamped with who saved them when. */
function versionRow(t: Template): Selectable<TemplateVersionsTable> {
  const { built_in: _b, updated_at, updated_by, created_at: _c, ...row } = toRow(t);
  return { ...row, created_at: updated_at, created_by: updated_by };
}

function toVersion(r: Selectable<TemplateVersionsTable>): TemplateVersion {
  return {
    key: r.key,
    version: r.version,
    ...draft(r),
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
}

export function templatesRepository(db: Kysely<DB>): TemplateRepository {
  return {
    async list() {
      return (await db.selectFrom('templates').selectAll().orderBy('key').execute()).map(toTemplate);
    },
    async get(key) {
      const r = await db.selectFrom('templates').selectAll().where('key', '=', key).executeTakeFirst();
      return r && toTemplate(r);
    },
    async getVersion(key, version) {
      const r = await db.selectFrom('template_versions').selectAll().where('key', '=', key).where('version', '=', version).executeTakeFirst();
      return r && toVersion(r);
    },
    async versions(key) {
      const rows = await db.selectFrom('template_versions').select(['key', 'version', 'created_at', 'created_by']).where('key', '=', key).orderBy('version', 'desc').execute();
      return rows.map((r) => ({ key: r.key, version: r.version, createdAt: r.created_at, createdBy: r.created_by }));
    },
    async lastVersion(key) {
      const r = await db.selectFrom('template_versions').select(sql<number | null>`max(version)`.as('v')).where('key', '=', key).executeTakeFirst();
      return Number(r?.v ?? 0);
    },
    async insert(t) {
      await db.insertInto('templates').values(toRow(t)).execute();
      await db.insertInto('template_versions').values(versionRow(t)).execute();
    },
    async insertIfMissing(t) {
      const res = await db
        .insertInto('templates')
        .values(toRow(t))
        .onConflict((oc) => oc.column('key').doNothing())
        .executeTakeFirst();
      if (Number(res.numInsertedOrUpdatedRows ?? 0) !== 1) return false;
      await db.insertInto('template_versions').values(versionRow(t)).onConflict((oc) => oc.columns(['key', 'version']).doNothing()).execute();
      return true;
    },
    async update(t, expectedVersion) {
      const { key: _k, created_at: _c, built_in: _b, ...row } = toRow(t);
      if (!(await updatedAtVersion(db.updateTable('templates').set(row).where('key', '=', t.key), expectedVersion))) return false;
      await db.insertInto('template_versions').values(versionRow(t)).execute();
      return true;
    },
    async delete(key) {
      await db.deleteFrom('templates').where('key', '=', key).execute();
    },
    async usingLayout(layout) {
      return (await db.selectFrom('templates').select('key').where('layout', '=', layout).orderBy('key').execute()).map((r) => r.key);
    },
  };
}
