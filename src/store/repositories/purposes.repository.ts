import type { Kysely } from 'kysely';
import type { PurposeRepository } from '../../core/routing/ports.js';
import type { Purpose } from '../../core/routing/purposes.js';
import type { DB } from '../schema.js';
import type { PurposesTable } from '../schema/routing.js';
import { bool, json, rowMapping, same } from './row-mapping.js';
import { keyedTable } from './keyed-table.js';

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
  // Listed most urgent first: the order admins think about them in.
  return keyedTable(db, { table: 'purposes', key: 'key', mapping: purpose, order: [['priority', 'desc'], 'key'], fixed: ['created_at', 'builtin'] });
}
