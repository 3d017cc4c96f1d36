import { sql, type UpdateQueryBuilder, type UpdateResult } from 'kysely';

/**
 * An optimistic write: `update` (a row chosen by its key) happens only while the row is still at
 * `expectedVersion`; false when another write came first (the services answer with a version
 * conflict). Only for tables with a version column: the types refuse the others.
 */
export async function updatedAtVersion<DB, UT extends keyof DB, TB extends keyof DB>(
  update: UpdateQueryBuilder<DB, UT, TB, UpdateResult> & (DB[UT] extends { version: number } ? unknown : never),
  expectedVersion: number,
): Promise<boolean> {
  const res = await update.where(sql.ref('version'), '=', expectedVersion).executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}
