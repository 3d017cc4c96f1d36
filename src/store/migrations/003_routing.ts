import type { Kysely } from 'kysely';
import { timestampsAndVersion } from './columns.js';

// Routing: purposes (one per application feature) and the per-account/per-server send
// counters behind rate limits. Kysely<any>: the schema as it was at this version.
/* eslint-disable @typescript-eslint/no-explicit-any */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('purposes')
    .addColumn('key', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('builtin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('description', 'varchar(500)')
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('account_ids', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(50))
    .addColumn('expire_after_sec', 'integer')
    .addColumn('global_copies', 'integer', (c) => c.notNull().defaultTo(0))
    .$call(timestampsAndVersion)
    .execute();

  // One row per (scope, window, window start): "acc_…"/"srv_…", minute|hour|day. Rows are
  // bumped with a conditional upsert, which is atomic across processes on PostgreSQL.
  await db.schema
    .createTable('send_counters')
    .addColumn('scope', 'varchar(60)', (c) => c.notNull())
    .addColumn('window', 'varchar(10)', (c) => c.notNull())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('send_counters_pk', ['scope', 'window', 'window_start'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('send_counters').execute();
  await db.schema.dropTable('purposes').execute();
}
