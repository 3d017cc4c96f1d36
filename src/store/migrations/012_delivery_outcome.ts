import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * What the email log needs to explain a message without reading its recipients and attempts:
 * how many recipients refused it for good ("partly delivered" when it was sent to the others),
 * and the plain-language hint for what stopped its last attempt (connection refused, TLS not
 * offered, login refused, timeout …), also kept on each attempt.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('rejected_count', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('messages').addColumn('last_hint', 'text').execute();
  await db.schema.alterTable('attempts').addColumn('hint', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('attempts').dropColumn('hint').execute();
  await db.schema.alterTable('messages').dropColumn('last_hint').execute();
  await db.schema.alterTable('messages').dropColumn('rejected_count').execute();
}
