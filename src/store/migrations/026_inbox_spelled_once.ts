import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** INBOX in any case, as the API saves it since (canonicalFolder, written out: a migration never changes). */
const inbox = (name: string) => (name.toUpperCase() === 'INBOX' ? 'INBOX' : name);

/**
 * INBOX is the one folder name IMAP compares without case, and accounts saved before Mailroom
 * spelled it one way may read ["INBOX","inbox"]: two readers of one mailbox with two cursors,
 * or a move target "inbox" that moves mail back into the folder read. This rewrites what was
 * saved before as the API saves it now (INBOX spelled once, the folders' order kept) and drops
 * the cursors of the other spellings (the reader of INBOX keeps its own). Each account rewritten
 * gets the next version, as a save through the API would. The same statements
 * on both dialects: the setting is JSON text, read and written here.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const rows: { id: string; inbound: string }[] = await db.selectFrom('accounts').select(['id', 'inbound']).where('inbound', 'is not', null).execute();
  for (const row of rows) {
    const saved = JSON.parse(row.inbound) as { folders?: string[]; moveTo?: string | null };
    const folders = [...new Set((saved.folders ?? []).map(inbox))];
    const moveTo = typeof saved.moveTo === 'string' ? inbox(saved.moveTo) : saved.moveTo;
    if (JSON.stringify(folders) === JSON.stringify(saved.folders ?? []) && moveTo === saved.moveTo) continue;
    // A new version, as any saved change gets: a form opened before the upgrade saves with the
    // version it read and is refused (409) instead of saving over a setting it never showed, and
    // a process still running the readers (stamped by version) restarts them with the new folders.
    await db
      .updateTable('accounts')
      .set((eb: any) => ({ inbound: JSON.stringify({ ...saved, folders, moveTo }), version: eb('version', '+', 1), updated_at: Date.now() }))
      .where('id', '=', row.id)
      .execute();
  }
  await db.deleteFrom('inbound_mailboxes').where((eb) => eb.and([eb(eb.fn('upper', ['folder']), '=', 'INBOX'), eb('folder', '!=', 'INBOX')])).execute();
}

/** Nothing to undo: the rewritten settings read the same mailboxes. */
export async function down(): Promise<void> {}
