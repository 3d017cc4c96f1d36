import type { Kysely } from 'kysely';
import { timestampsAndVersion } from './columns.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Secret providers (Azure Key Vault, CyberArk CCP, HashiCorp Vault) and internal named
 * secrets. Values and credentials live encrypted in `secrets`; these rows only point there.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('secret_providers')
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(200)', (c) => c.notNull().unique())
    .addColumn('kind', 'varchar(40)', (c) => c.notNull())
    .addColumn('config', 'text', (c) => c.notNull())
    .addColumn('credentials_secret_id', 'varchar(40)')
    .addColumn('credentials_set', 'text', (c) => c.notNull())
    .$call(timestampsAndVersion)
    .execute();

  await db.schema
    .createTable('named_secrets')
    .addColumn('name', 'varchar(100)', (c) => c.primaryKey())
    .addColumn('description', 'varchar(500)')
    .addColumn('secret_id', 'varchar(40)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('rotated_at', 'bigint', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();

  // OAuth2 (XOAUTH2) on accounts: settings as JSON, the client secret and refresh token as secret ids.
  await db.schema.alterTable('accounts').addColumn('auth', 'text').execute();
  await db.schema.alterTable('accounts').addColumn('auth_client_secret_id', 'varchar(40)').execute();
  await db.schema.alterTable('accounts').addColumn('auth_refresh_token_id', 'varchar(40)').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const c of ['auth_refresh_token_id', 'auth_client_secret_id', 'auth']) await db.schema.alterTable('accounts').dropColumn(c).execute();
  await db.schema.dropTable('named_secrets').execute();
  await db.schema.dropTable('secret_providers').execute();
}
