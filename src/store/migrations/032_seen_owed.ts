import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * inbound_mailboxes.seen_owed_from: with "mark it read", the lowest UID the reader stored and has
 * not yet confirmed marking \Seen (written before a round's first commit, cleared once its STORE
 * succeeded); null when nothing is owed. The catch-up after an interrupted or failed sync marks
 * the stored messages still unread from there on, and only those: it used to mark every stored
 * message still unread in the folder, also mail a person had marked unread again in their mail
 * client after Mailroom had marked it read.
 *
 * A folder whose last sync was interrupted or failing when Mailroom was upgraded may owe marks
 * the old reader did not record: it gets the old catch-up once (from UID 1), so no stored
 * message is left unmarked by the upgrade.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('inbound_mailboxes').addColumn('seen_owed_from', 'bigint').execute();
  await db.updateTable('inbound_mailboxes').set({ seen_owed_from: 1 }).where('state', 'in', ['syncing', 'failing']).where('last_uid', '>', 0).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('inbound_mailboxes').dropColumn('seen_owed_from').execute();
}
