import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * The outbox status (GET /messages/stats, polled by the admin UI, and the outbox gauges of
 * /metrics) counts the queue by status and finds the oldest due time. The index on
 * (status, id) found the rows but not their next_attempt_at, so the count read every queued
 * row from the table: about a second per call with 100,000 messages queued, on both dialects.
 * The same index with next_attempt_at at the end answers it from the index alone (SQLite: a
 * covering index; PostgreSQL: an index-only scan) and still serves "status = …, newest first"
 * (the email log's filter) through its (status, id) prefix. Replacing the index rather than
 * adding one keeps writes as they were: next_attempt_at only changes together with status.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('messages_status_due_idx').on('messages').columns(['status', 'id', 'next_attempt_at']).execute();
  await db.schema.dropIndex('messages_status_idx').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('messages_status_idx').on('messages').columns(['status', 'id']).execute();
  await db.schema.dropIndex('messages_status_due_idx').execute();
}
