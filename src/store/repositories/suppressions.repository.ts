import { CompiledQuery, sql, type Kysely, type Selectable } from 'kysely';
import type { SqlDialect } from '../sql-dialect.js';
import type { SuppressionRepository } from '../../core/inbound/ports.js';
import type { Suppression } from '../../core/inbound/suppressions.js';
import type { DB } from '../schema.js';
import { inJsonList } from '../json-list.js';
import { preparedSql } from '../statement-cache.js';
import type { SuppressionsTable } from '../schema/inbound.js';
import { oneOf, rowMapping, same } from './row-mapping.js';

const suppression = rowMapping<Suppression, SuppressionsTable>()({
  address: same,
  reason: oneOf<Suppression['reason']>(),
  detail: same,
  sourceMessageId: same,
  createdBy: same,
  createdAt: same,
  expiresAt: same,
});

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** `scans`: where its pages are read (SQLite: the connection off the event loop, see messagesRepository); `db` unless given. */
export function suppressionsRepository(db: Kysely<DB>, dialect: SqlDialect, scans: Kysely<DB> = db): SuppressionRepository {
  return {
    // In address order: the cursor is the last address of the page. A search (`q`) reads every
    // address no index serves: 50 ms at 500,000 suppressions, so it reads off the event loop.
    async list({ limit, cursor, q }) {
      let query = scans.selectFrom('suppressions').selectAll().orderBy('address').limit(limit + 1);
      if (cursor) query = query.where('address', '>', cursor);
      if (q) query = query.where(sql<boolean>`address like ${'%' + likeEscape(q) + '%'} escape '\\'`);
      const rows = await query.execute();
      const page = rows.slice(0, limit);
      return { items: page.map(suppression.toDomain), nextCursor: rows.length > limit ? page[page.length - 1].address : null };
    },
    async get(address) {
      const r = await db.selectFrom('suppressions').selectAll().where('address', '=', address).executeTakeFirst();
      return r && suppression.toDomain(r);
    },
    async add(s) {
      const res = await db.insertInto('suppressions').values(suppression.toRow(s)).onConflict((oc) => oc.column('address').doNothing()).executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    async replace(s) {
      const { address, ...rest } = suppression.toRow(s);
      await db.updateTable('suppressions').set(rest).where('address', '=', address).execute();
    },
    async remove(address) {
      const res = await db.deleteFrom('suppressions').where('address', '=', address).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
    async active(addresses, now) {
      if (!addresses.length) return [];
      // Asked for every message accepted, often for many addresses at once (PostgreSQL merges
      // concurrent look-ups): one statement text whatever the count, the list as one JSON value.
      const text = dialect === 'postgres' ? ACTIVE_PG : ACTIVE_SQLITE;
      const rows = (await db.executeQuery<Selectable<SuppressionsTable>>(CompiledQuery.raw(text, [JSON.stringify(addresses), now]))).rows;
      return rows.map(suppression.toDomain);
    },
  };
}

/** Prepared on PostgreSQL (asked for every batch of accepted messages), so its columns are named (see preparedSql). */
const SUPPRESSION_COLUMNS = ['address', 'reason', 'detail', 'source_message_id', 'created_by', 'created_at', 'expires_at'] as const satisfies readonly (keyof SuppressionsTable)[];
const ACTIVE_PG = preparedSql(`select ${SUPPRESSION_COLUMNS.map((c) => `"${c}"`).join(', ')} from "suppressions" where ${inJsonList(true, '"address"', '$1')} and ("expires_at" is null or "expires_at" > $2)`);
const ACTIVE_SQLITE = `select * from "suppressions" where ${inJsonList(false, '"address"', '?')} and ("expires_at" is null or "expires_at" > ?)`;
