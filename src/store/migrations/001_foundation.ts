import type { Kysely } from 'kysely';
import { timestampsAndVersion } from './columns.js';

// Migrations take Kysely<any>: they describe the schema as it was at that version, not the
// current typed schema. Column types are chosen to mean the same on SQLite and PostgreSQL.
/* eslint-disable @typescript-eslint/no-explicit-any */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('email', 'varchar(320)', (c) => c.notNull().unique())
    .addColumn('name', 'varchar(200)')
    .addColumn('role', 'varchar(20)', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .$call(timestampsAndVersion)
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('token_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('user_id', 'varchar(40)', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('csrf_token', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('ip', 'varchar(64)')
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('key_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('prefix', 'varchar(40)', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('allow_override', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_by', 'varchar(40)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();

  await db.schema
    .createTable('secrets')
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('key_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('ciphertext', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('servers')
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(200)', (c) => c.notNull().unique())
    .addColumn('config', 'text', (c) => c.notNull())
    .addColumn('source', 'varchar(20)', (c) => c.notNull().defaultTo('database'))
    .addColumn('overridden', 'text', (c) => c.notNull().defaultTo('[]'))
    .$call(timestampsAndVersion)
    .execute();

  await db.schema
    .createTable('accounts')
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('server_id', 'varchar(40)', (c) => c.notNull().references('servers.id'))
    .addColumn('address', 'varchar(320)', (c) => c.notNull())
    .addColumn('login', 'varchar(320)')
    .addColumn('from_name', 'varchar(200)')
    .addColumn('reply_to', 'varchar(320)')
    .addColumn('aliases', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('password_secret_id', 'varchar(40)', (c) => c.references('secrets.id'))
    .addColumn('password_ref', 'varchar(500)')
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('owner_id', 'varchar(40)')
    .addColumn('source', 'varchar(20)', (c) => c.notNull().defaultTo('database'))
    .addColumn('overridden', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('rate_limit', 'text')
    .$call(timestampsAndVersion)
    .execute();
  await db.schema.createIndex('accounts_server_idx').on('accounts').column('server_id').execute();

  await db.schema
    .createTable('settings')
    .addColumn('key', 'varchar(100)', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', 'varchar(320)')
    .execute();

  await db.schema
    .createTable('audit')
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor', 'varchar(320)', (c) => c.notNull())
    .addColumn('action', 'varchar(100)', (c) => c.notNull())
    .addColumn('target_type', 'varchar(40)', (c) => c.notNull())
    .addColumn('target_id', 'varchar(100)')
    .addColumn('before', 'text')
    .addColumn('after', 'text')
    .addColumn('ip', 'varchar(64)')
    .execute();
  await db.schema.createIndex('audit_target_idx').on('audit').columns(['target_type', 'target_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['audit', 'settings', 'accounts', 'servers', 'secrets', 'api_keys', 'sessions', 'users']) {
    await db.schema.dropTable(t).execute();
  }
}
