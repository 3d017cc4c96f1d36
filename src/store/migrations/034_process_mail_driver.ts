import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * processes.mail_driver: the MAILROOM_MAIL_DRIVER each process runs with (`smtp`, `log`). A
 * `mailroom worker` with the log driver beside a `mailroom start` that sends by SMTP, on one
 * PostgreSQL, claimed its share of the outbox and marked it `logged`: real mail never sent. A
 * process that is about to deliver reads the drivers of the live delivering processes here and
 * refuses to start beside another one (src/core/processes/processes.service.ts).
 *
 * Nullable: rows written by processes of an earlier version (still running during a rolling
 * upgrade) carry none, and are not judged.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('processes').addColumn('mail_driver', 'varchar(16)').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('processes').dropColumn('mail_driver').execute();
}
