import type { Kysely } from 'kysely';
import type { ReferencedRows, SeededRepository } from '../../core/kernel/versioned-repository.js';
import type { DB } from '../schema.js';
import type { SqlDialect } from '../sql-dialect.js';
import type { RowMapping } from './row-mapping.js';

/** A table whose rows carry an optimistic-lock version (every admin-edited resource). */
type VersionedTable = { [T in keyof DB]: DB[T] extends { version: number } ? T : never }[keyof DB];

export interface KeyedTableSpec<T extends VersionedTable, Domain> {
  table: T;
  /** The column that names a row (`id`, `key`, `domain`, `name`). */
  key: keyof DB[T] & string;
  mapping: RowMapping<Domain, DB[T]>;
  /** How `list` orders the rows (ascending unless said). */
  order: readonly (keyof DB[T] & string | readonly [keyof DB[T] & string, 'asc' | 'desc'])[];
  /** Columns an update leaves as they are besides the key (`created_at`, a built-in flag, a kind that cannot change). */
  fixed: readonly (keyof DB[T] & string)[];
}

/** Any table, any column: the spec's types have checked the names, the mapping the values. */
type LooseDb = Kysely<Record<string, Record<string, unknown>>>;

/**
 * List, get, insert, versioned update and delete of one table keyed by one column, written once
 * instead of once per repository. Repositories spread it and add what only they have (look-ups
 * by another column, counts, history rows).
 */
export function keyedTable<T extends VersionedTable, Domain>(typed: Kysely<DB>, spec: KeyedTableSpec<T, Domain>): SeededRepository<Domain> {
  const db = typed as unknown as LooseDb;
  const { mapping } = spec;
  const table: string = spec.table;
  const key: string = spec.key;
  const unchanged = new Set<string>([key, ...spec.fixed]);
  const toDomain = (row: Record<string, unknown>) => mapping.toDomain(row as unknown as DB[T]);
  const toRow = (value: Domain) => mapping.toRow(value) as unknown as Record<string, unknown>;
  return {
    async list() {
      let q = db.selectFrom(table).selectAll();
      for (const o of spec.order) q = typeof o === 'string' ? q.orderBy(o) : q.orderBy(o[0], o[1]);
      return (await q.execute()).map(toDomain);
    },
    async get(k) {
      const r = await db.selectFrom(table).selectAll().where(key, '=', k).executeTakeFirst();
      return r && toDomain(r);
    },
    async insert(value) {
      await db.insertInto(table).values(toRow(value)).execute();
    },
    async insertIfMissing(value) {
      const res = await db
        .insertInto(table)
        .values(toRow(value))
        .onConflict((oc) => oc.column(key).doNothing())
        .executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async update(next, expectedVersion) {
      const row = toRow(next);
      const changed = Object.fromEntries(Object.entries(row).filter(([column]) => !unchanged.has(column)));
      const res = await db.updateTable(table).set(changed).where(key, '=', row[key]).where('version', '=', expectedVersion).executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
    async delete(k) {
      await db.deleteFrom(table).where(key, '=', k).execute();
    },
  };
}

/**
 * ReferencedRows over a keyed table. PostgreSQL reads the row FOR KEY SHARE to hold it (that
 * blocks its DELETE and a FOR UPDATE, not ordinary updates nor other holders) and FOR UPDATE to
 * lock it for a delete; at READ COMMITTED the delete's later statements then see every write
 * that held the row before. SQLite runs one write transaction at a time: a plain read is enough.
 */
export function referencedRows<T extends VersionedTable, Domain>(typed: Kysely<DB>, spec: Pick<KeyedTableSpec<T, Domain>, 'table' | 'key' | 'mapping'>, dialect: SqlDialect): ReferencedRows<Domain> {
  const db = typed as unknown as LooseDb;
  const table: string = spec.table;
  const key: string = spec.key;
  const read = async (k: string, lock: 'share' | 'update') => {
    const q = db.selectFrom(table).selectAll().where(key, '=', k);
    const r = await (dialect === 'sqlite' ? q : lock === 'share' ? q.forKeyShare() : q.forUpdate()).executeTakeFirst();
    return r && spec.mapping.toDomain(r as unknown as DB[T]);
  };
  return {
    hold: (k) => read(k, 'share'),
    lockForDelete: (k) => read(k, 'update'),
  };
}
