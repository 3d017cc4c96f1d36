import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Possible duplicates: an attempt after which the server may already hold the message (the
 * whole message went out, then no fitting reply came) records why, and the message keeps a
 * flag that no later success clears (it would mean two copies may have arrived).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('possible_duplicate', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('attempts').addColumn('possible_duplicate', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('attempts').dropColumn('possible_duplicate').execute();
  await db.schema.alterTable('messages').dropColumn('possible_duplicate').execute();
}
