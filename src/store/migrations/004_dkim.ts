import type { Kysely } from 'kysely';
import { timestampsAndVersion } from './columns.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** One DKIM key per sender domain; the private key lives encrypted in `secrets`. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('dkim_keys')
    .addColumn('domain', 'varchar(253)', (c) => c.primaryKey())
    .addColumn('selector', 'varchar(63)', (c) => c.notNull())
    .addColumn('private_key_secret_id', 'varchar(40)', (c) => c.notNull().references('secrets.id'))
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('key_bits', 'integer', (c) => c.notNull())
    .addColumn('source', 'varchar(20)', (c) => c.notNull())
    .$call(timestampsAndVersion)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('dkim_keys').execute();
}
