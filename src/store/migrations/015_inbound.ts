import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Inbound mail (IMAP), replies, bounces and the suppression list.
 *
 * - messages: read status, the kind of an inbound message (mail, reply, bounce, auto_reply,
 *   complaint), the outbound message it answers and a reply's own words (quotes removed). A received message is stored once per
 *   account: the unique partial index on (account_id, message_id_header) is what makes a
 *   resync after a UIDVALIDITY change (or a crash between fetch and commit) store nothing twice.
 * - inbound_mailboxes: the durable cursor per account and folder (UIDVALIDITY and the last UID
 *   stored), the reader's state for the UI, and the lease that lets one process read a mailbox.
 * - suppressions: addresses later sends skip, with why and where from.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('is_read', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('messages').addColumn('kind', 'varchar(20)').execute();
  await db.schema.alterTable('messages').addColumn('in_reply_to', 'varchar(40)').execute();
  await db.schema.alterTable('messages').addColumn('reply_text', 'text').execute();
  await sql`create unique index messages_inbound_uq on messages (account_id, message_id_header) where direction = 'in'`.execute(db);
  // Reply and bounce matching look up Mailroom's own Message-IDs.
  await sql`create index messages_message_id_idx on messages (message_id_header) where direction = 'out'`.execute(db);
  await sql`create index messages_in_reply_to_idx on messages (in_reply_to) where in_reply_to is not null`.execute(db);
  await sql`create index messages_unread_idx on messages (direction, is_read)`.execute(db);
  await db.schema.alterTable('accounts').addColumn('inbound', 'text').execute();

  await db.schema
    .createTable('inbound_mailboxes')
    .addColumn('account_id', 'varchar(40)', (c) => c.notNull())
    .addColumn('folder', 'varchar(200)', (c) => c.notNull())
    .addColumn('uid_validity', 'varchar(20)')
    .addColumn('last_uid', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('stored_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('quarantined_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('state', 'varchar(20)', (c) => c.notNull().defaultTo('idle'))
    .addColumn('last_sync_at', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint')
    .addColumn('lease_owner', 'varchar(100)')
    .addColumn('lease_until', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('inbound_mailboxes_pk', ['account_id', 'folder'])
    .execute();

  await db.schema
    .createTable('suppressions')
    .addColumn('address', 'varchar(320)', (c) => c.primaryKey())
    .addColumn('reason', 'varchar(20)', (c) => c.notNull())
    .addColumn('detail', 'text')
    .addColumn('source_message_id', 'varchar(40)')
    .addColumn('created_by', 'varchar(320)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .execute();
  await db.schema.createIndex('suppressions_created_idx').on('suppressions').columns(['created_at', 'address']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('suppressions').execute();
  await db.schema.dropTable('inbound_mailboxes').execute();
  await db.schema.alterTable('accounts').dropColumn('inbound').execute();
  for (const i of ['messages_unread_idx', 'messages_in_reply_to_idx', 'messages_message_id_idx', 'messages_inbound_uq']) await db.schema.dropIndex(i).execute();
  for (const c of ['reply_text', 'in_reply_to', 'kind', 'is_read']) await db.schema.alterTable('messages').dropColumn(c).execute();
}
