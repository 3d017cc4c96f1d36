import { CompiledQuery, sql, type Kysely, type Selectable } from 'kysely';
import type { SqlDialect } from '../sql-dialect.js';
import type { SuppressionRepository } from '../../core/inbound/ports.js';
import type { Suppression } from '../../core/inbound/suppressions.js';
import type { DB } from '../schema.js';
import { jsonListSql } from '../json-list.js';
import type { SuppressionsTable } from '../schema/inbound.js';

function toSuppression(r: Selectable<SuppressionsTable>): Suppression {
  return {
    address: r.address,
    reason: r.reason as Suppression['reason'],
    detail: r.detail,
    sourceMessageId: r.source_message_id,
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
    expiresAt: r.expires_at === null ? null : Number(r.expires_at),
  };
}

function toRow(s: Suppression): SuppressionsTable {
  return {
    address: s.address,
    reason: s.reason,
    detail: s.detail,
    source_message_id: s.sourceMessageId,
    created_by: s.createdBy,
    created_at: s.createdAt,
    expires_at: s.expiresAt,
  };
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export function suppressionsRepository(db: Kysely<DB>, dialect: SqlDialect): SuppressionRepository {
  return {
    // In address order: the cursor is the last address of the page.
    async list({ limit, cursor, q }) {
      let query = db.selectFrom('suppressions').selectAll().orderBy('address').limit(limit + 1);
      if (cursor) query = query.where('address', '>', cursor);
      if (q) query = query.where(sql<boolean>`address like ${'%' + likeEscape(q) + '%'} escape '\\'`);
      const rows = await query.execute();
      const page = rows.slice(0, limit);
      return { items: page.map(toSuppression), nextCursor: rows.length > limit ? page[page.length - 1].address : null };
    },
    async get(address) {
      const r = await db.selectFrom('suppressions').selectAll().where('address', '=', address).executeTakeFirst();
      return r && toSuppression(r);
    },
    async add(s) {
      const res = await db.insertInto('suppressions').values(toRow(s)).onConflict((oc) => oc.column('address').doNothing()).executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    async replace(s) {
      const { address, ...rest } = toRow(s);
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
      return rows.map(toSuppression);
    },
  };
}

const ACTIVE_PG = `select * from "suppressions" where "address" in (${jsonListSql(true, '$1')}) and ("expires_at" is null or "expires_at" > $2)`;
const ACTIVE_SQLITE = `select * from "suppressions" where "address" in (${jsonListSql(false, '?')}) and ("expires_at" is null or "expires_at" > ?)`;
