import type { Kysely } from 'kysely';
import type { PurposeRepository } from '../../core/routing/ports.js';
import type { Purpose } from '../../core/routing/purposes.js';
import type { DB } from '../schema.js';
import type { PurposesTable } from '../schema/routing.js';
import { bool, json, rowMapping, same } from './row-mapping.js';
import { keyedTable, referencedRows } from './keyed-table.js';
import type { SqlDialect } from '../sql-dialect.js';
import { fromJson } from '../json.js';

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

export function purposesRepository(db: Kysely<DB>, dialect: SqlDialect): PurposeRepository {
  return {
    // Listed most urgent first: the order admins think about them in.
    ...keyedTable(db, { table: 'purposes', key: 'key', mapping: purpose, order: [['priority', 'desc'], 'key'], fixed: ['created_at', 'builtin'] }),
    ...referencedRows(db, { table: 'purposes', key: 'key', mapping: purpose }, dialect),
    async listingAccount(accountId) {
      // The list is JSON text in both dialects, and there are a few dozen purposes at most: read in full, compared exactly.
      const rows = await db.selectFrom('purposes').select(['key', 'account_ids']).orderBy('key').execute();
      return rows.filter((r) => fromJson<string[]>(r.account_ids, []).includes(accountId)).map((r) => r.key);
    },
  };
}
