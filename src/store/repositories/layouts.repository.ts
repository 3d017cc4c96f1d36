import type { Kysely } from 'kysely';
import type { LayoutRepository } from '../../core/templates/ports.js';
import type { Layout } from '../../core/templates/templates.js';
import type { DB } from '../schema.js';
import type { LayoutsTable } from '../schema/templates.js';
import { bool, rowMapping, same } from './row-mapping.js';
import { keyedTable, referencedRows } from './keyed-table.js';
import type { SqlDialect } from '../sql-dialect.js';

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

export function layoutsRepository(db: Kysely<DB>, dialect: SqlDialect): LayoutRepository {
  return {
    ...keyedTable(db, { table: 'layouts', key: 'key', mapping: layout, order: ['key'], fixed: ['created_at', 'built_in'] }),
    ...referencedRows(db, { table: 'layouts', key: 'key', mapping: layout }, dialect),
  };
}
