import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * preview_pages: a template or layout preview's HTML, kept a minute for the editor's frame
 * (GET /previews/:id). It was in the memory of the process that rendered it, so with several
 * `mailroom start` behind a load balancer the frame's request to another process found nothing.
 * Bounded per caller and in total (src/core/templates/preview-pages.ts); expired rows are
 * dropped whenever a page is kept.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('preview_pages')
    .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('html', 'text', (c) => c.notNull())
    .addColumn('bytes', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  // Pruning and counting the live pages go by time.
  await db.schema.createIndex('preview_pages_expires_idx').on('preview_pages').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('preview_pages').execute();
}
