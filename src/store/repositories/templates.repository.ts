import { sql, type Kysely } from 'kysely';
import type { TemplateRepository } from '../../core/templates/ports.js';
import type { Template, TemplateDraft, TemplateVersion } from '../../core/templates/templates.js';
import type { DB } from '../schema.js';
import type { TemplatesTable, TemplateVersionsTable } from '../schema/templates.js';
import { bool, json, rowMapping, same } from './row-mapping.js';
import { keyedTable, referencedRows } from './keyed-table.js';
import type { SqlDialect } from '../sql-dialect.js';

/** The fields a template and its versions share: name, purpose, layout, sources, sample data. */
const draft = { name: same, purpose: same, layout: same, locales: json<TemplateDraft['locales']>({}), sampleData: json<TemplateDraft['sampleData']>({}) };

const template = rowMapping<Template, TemplatesTable>()({
  key: same,
  ...draft,
  builtIn: bool,
  version: same,
  createdAt: same,
  updatedAt: same,
  updatedBy: same,
});

const templateVersion = rowMapping<TemplateVersion, TemplateVersionsTable>()({
  key: same,
  version: same,
  ...draft,
  createdAt: same,
  createdBy: same,
});

/** The history row of a template's version: the same sources, stamped with who saved them when. */
const versionRow = (t: Template) => templateVersion.toRow({ ...t, createdAt: t.updatedAt, createdBy: t.updatedBy });

export function templatesRepository(db: Kysely<DB>, dialect: SqlDialect): TemplateRepository {
  // Saving writes a history row too: insert and update add it; the rest is any keyed table's.
  const table = keyedTable(db, { table: 'templates', key: 'key', mapping: template, order: ['key'], fixed: ['created_at', 'built_in'] });
  return {
    list: table.list,
    get: table.get,
    delete: table.delete,
    ...referencedRows(db, { table: 'templates', key: 'key', mapping: template }, dialect),
    async getVersion(key, version) {
      const r = await db.selectFrom('template_versions').selectAll().where('key', '=', key).where('version', '=', version).executeTakeFirst();
      return r && templateVersion.toDomain(r);
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
      await table.insert(t);
      await db.insertInto('template_versions').values(versionRow(t)).execute();
    },
    async insertIfMissing(t) {
      if (!(await table.insertIfMissing(t))) return false;
      await db.insertInto('template_versions').values(versionRow(t)).onConflict((oc) => oc.columns(['key', 'version']).doNothing()).execute();
      return true;
    },
    async update(t, expectedVersion) {
      if (!(await table.update(t, expectedVersion))) return false;
      await db.insertInto('template_versions').values(versionRow(t)).execute();
      return true;
    },
    async usingLayout(layout) {
      return (await db.selectFrom('templates').select('key').where('layout', '=', layout).orderBy('key').execute()).map((r) => r.key);
    },
    async usingPurpose(purpose) {
      return (await db.selectFrom('templates').select('key').where('purpose', '=', purpose).orderBy('key').execute()).map((r) => r.key);
    },
  };
}
