import { sql, type Kysely } from 'kysely';
import type { PreviewPageRepository } from '../../core/templates/preview-pages.js';
import type { DB } from '../schema.js';
import type { SqlDialect } from '../sql-dialect.js';

/**
 * The key of PostgreSQL's transaction-scoped advisory lock that serialises keeping previews
 * (any bigint Mailroom takes for nothing else: "Previews" in ASCII).
 */
const KEEP_LOCK = 0x5072657669657773n;

/** Preview pages, shared by every process on the database (see PreviewPageRepository). */
export function previewPagesRepository(db: Kysely<DB>, dialect: SqlDialect): PreviewPageRepository {
  return {
    async lock() {
      // SQLite: one writer, and this process runs one transaction at a time on its connection.
      if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${KEEP_LOCK.toString()}::bigint)`.execute(db);
    },
    async prune(now) {
      await db.deleteFrom('preview_pages').where('expires_at', '<=', now).execute();
    },
    async live(now) {
      const rows = await db
        .selectFrom('preview_pages')
        .select(['id', 'owner', 'bytes', 'created_at', 'expires_at'])
        .where('expires_at', '>', now)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map((r) => ({ id: r.id, owner: r.owner, bytes: Number(r.bytes), createdAt: Number(r.created_at), expiresAt: Number(r.expires_at) }));
    },
    async insert(p) {
      await db.insertInto('preview_pages').values({ id: p.id, owner: p.owner, html: p.html, bytes: p.bytes, created_at: p.createdAt, expires_at: p.expiresAt }).execute();
    },
    async delete(ids) {
      if (ids.length) await db.deleteFrom('preview_pages').where('id', 'in', [...ids]).execute();
    },
    async html(id, now) {
      const r = await db.selectFrom('preview_pages').select('html').where('id', '=', id).where('expires_at', '>', now).executeTakeFirst();
      return r?.html;
    },
  };
}
