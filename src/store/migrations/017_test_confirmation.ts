import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * A confirmed test email ("send test email" with confirm) waits for the account's own mailbox
 * to receive it: messages.confirmation is 'pending' until the IMAP reader stores the message
 * ('confirmed') or a bounce of it ('bounced'); null for every other message. The timeout is
 * not stored: a pending confirmation older than the limit reads as "timeout".
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('confirmation', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').dropColumn('confirmation').execute();
}
