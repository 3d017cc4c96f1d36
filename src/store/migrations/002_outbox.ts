import { sql, type Kysely } from 'kysely';

// The outbox (= the email log), per-recipient outcomes and delivery attempts.
// Kysely<any>: the schema as it was at this version.
/* eslint-disable @typescript-eslint/no-explicit-any */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('messages')
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('direction', 'varchar(3)', (c) => c.notNull().defaultTo('out'))
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    .addColumn('purpose', 'varchar(64)', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(50))
    .addColumn('account_id', 'varchar(40)')
    .addColumn('server_id', 'varchar(40)')
    .addColumn('routing', 'text', (c) => c.notNull())
    .addColumn('from_addr', 'text', (c) => c.notNull())
    .addColumn('envelope_from', 'varchar(320)', (c) => c.notNull())
    .addColumn('to_addrs', 'text', (c) => c.notNull())
    .addColumn('cc_addrs', 'text', (c) => c.notNull())
    .addColumn('bcc_addrs', 'text', (c) => c.notNull())
    .addColumn('reply_to', 'varchar(320)')
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('text_body', 'text')
    .addColumn('html_body', 'text')
    .addColumn('headers', 'text', (c) => c.notNull())
    .addColumn('attachments', 'text', (c) => c.notNull())
    .addColumn('size_bytes', 'integer', (c) => c.notNull())
    .addColumn('idempotency_scope', 'varchar(100)')
    .addColumn('idempotency_key', 'varchar(200)')
    .addColumn('send_at', 'bigint', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('expire_at', 'bigint', (c) => c.notNull())
    .addColumn('attempt_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lease_owner', 'varchar(100)')
    .addColumn('lease_until', 'bigint')
    .addColumn('source', 'varchar(20)', (c) => c.notNull())
    .addColumn('created_by', 'varchar(320)')
    .addColumn('last_error', 'text')
    .addColumn('message_id_header', 'varchar(400)')
    .addColumn('sent_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  // NULLs never collide, so messages without a key are unconstrained in both dialects.
  await db.schema.createIndex('messages_idempotency_uq').on('messages').columns(['idempotency_scope', 'idempotency_key']).unique().execute();
  // The claim query: due messages in a claimable status, most urgent first. Partial, so the
  // index holds only the queue, not the whole log; same statement on SQLite and PostgreSQL.
  await sql`create index messages_claim_idx on messages (priority desc, next_attempt_at) where status in ('queued', 'deferred')`.execute(db);
  await db.schema.createIndex('messages_status_idx').on('messages').columns(['status', 'id']).execute();
  await db.schema.createIndex('messages_account_idx').on('messages').columns(['account_id', 'id']).execute();
  await db.schema.createIndex('messages_purpose_idx').on('messages').columns(['purpose', 'id']).execute();

  await db.schema
    .createTable('message_recipients')
    .addColumn('message_id', 'varchar(40)', (c) => c.notNull().references('messages.id').onDelete('cascade'))
    .addColumn('address', 'varchar(320)', (c) => c.notNull())
    .addColumn('kind', 'varchar(3)', (c) => c.notNull())
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    .addColumn('code', 'integer')
    .addColumn('enhanced_code', 'varchar(20)')
    .addColumn('response', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('message_recipients_pk', ['message_id', 'address'])
    .execute();
  await db.schema.createIndex('message_recipients_address_idx').on('message_recipients').columns(['address', 'message_id']).execute();

  await db.schema
    .createTable('attempts')
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('message_id', 'varchar(40)', (c) => c.notNull().references('messages.id').onDelete('cascade'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('account_id', 'varchar(40)')
    .addColumn('server_id', 'varchar(40)')
    .addColumn('outcome', 'varchar(20)', (c) => c.notNull())
    .addColumn('code', 'integer')
    .addColumn('enhanced_code', 'varchar(20)')
    .addColumn('response', 'text')
    .execute();
  await db.schema.createIndex('attempts_message_idx').on('attempts').columns(['message_id', 'at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['attempts', 'message_recipients', 'messages']) await db.schema.dropTable(t).execute();
}
