import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * A manual retry gives a message its original lifetime again, counted from the retry. It was
 * taken as expire_at − send_at, which a first retry had already stretched, so every further
 * retry stretched it again. The lifetime the message was accepted with is kept from now on;
 * messages accepted before this migration have none (null) and fall back to the old reading.
 * No backfill: on a deep queue an UPDATE of every row would hold the migration for minutes.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('lifetime_ms', 'bigint').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').dropColumn('lifetime_ms').execute();
}
