import type { CreateTableBuilder } from 'kysely';

/*
 * Column groups several tables share, added with `.$call(group)` where the columns stand.
 * Shipped migrations call these, so each group is frozen: a change would change what an old
 * migration creates on a new install. A new group is a new function.
 */

/** When the row was made and last changed (epoch milliseconds), and the version an optimistic update checks, 1 for a new row. */
export function timestampsAndVersion<TB extends string, C extends string>(t: CreateTableBuilder<TB, C>) {
  return t
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1));
}

/** Who made the row (the actor's label), when it was made and last changed, and the version an optimistic update checks (always written, no default). */
export function creatorTimestampsAndVersion<TB extends string, C extends string>(t: CreateTableBuilder<TB, C>) {
  return t
    .addColumn('created_by', 'varchar(320)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull());
}
