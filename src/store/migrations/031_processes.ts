import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * processes: one row per running `mailroom start` / `mailroom worker`, written at its start and
 * refreshed by its heartbeat, deleted at a clean stop; a killed process's row stays, shown as
 * gone, until a day without a heartbeat has it pruned. What an operator of several processes on
 * one PostgreSQL had only in pg_stat_activity. A handful of rows: no index beyond the key (the
 * prune reads them all).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('processes')
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('role', 'varchar(16)', (c) => c.notNull())
    .addColumn('hostname', 'varchar(255)', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('version', 'varchar(64)', (c) => c.notNull())
    .addColumn('runs', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('processes').execute();
}
