import { PostgresAdapter, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * The SMTP submission relay: per-application credentials, the sessions it refused, and the
 * message as the application sent it (raw MIME). The raw message is bytes (8-bit mail need not
 * be UTF-8), so it is a binary column: bytea on PostgreSQL, blob on SQLite.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const binary = db.getExecutor().adapter instanceof PostgresAdapter ? 'bytea' : 'blob';
  await db.schema.alterTable('messages').addColumn('raw_mime', binary).execute();

  await db.schema
    .createTable('smtp_credentials')
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(200)', (c) => c.notNull().unique())
    .addColumn('username', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('authentication', 'varchar(20)', (c) => c.notNull())
    .addColumn('password_hash', 'varchar(64)')
    .addColumn('allowed_from', 'text', (c) => c.notNull())
    .addColumn('purpose', 'varchar(64)')
    .addColumn('account_id', 'varchar(40)')
    .addColumn('max_message_bytes', 'integer', (c) => c.notNull())
    .addColumn('max_recipients', 'integer', (c) => c.notNull())
    .addColumn('per_minute', 'integer')
    .addColumn('allowed_ips', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'varchar(320)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('password_rotated_at', 'bigint')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();

  await db.schema
    .createTable('relay_rejections')
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('client_ip', 'varchar(64)')
    .addColumn('credential_id', 'varchar(40)')
    .addColumn('username', 'varchar(200)')
    .addColumn('stage', 'varchar(20)', (c) => c.notNull())
    .addColumn('code', 'integer', (c) => c.notNull())
    .addColumn('reply', 'varchar(500)', (c) => c.notNull())
    .execute();
  // Newest first is "id descending" (ids are time-ordered); pruning goes by time.
  await db.schema.createIndex('relay_rejections_at_idx').on('relay_rejections').column('at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('relay_rejections').execute();
  await db.schema.dropTable('smtp_credentials').execute();
  await db.schema.alterTable('messages').dropColumn('raw_mime').execute();
}
