import type { Kysely } from 'kysely';
import type { SessionRepository } from '../../core/access/ports.js';
import type { DB } from '../schema.js';

export function sessionsRepository(db: Kysely<DB>): SessionRepository {
  return {
    async insert(s) {
      await db
        .insertInto('sessions')
        .values({ token_hash: s.tokenHash, user_id: s.userId, csrf_token: s.csrfToken, created_at: s.createdAt, expires_at: s.expiresAt, ip: s.ip })
        .execute();
    },
    async get(tokenHash) {
      const r = await db.selectFrom('sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return r && { tokenHash: r.token_hash, userId: r.user_id, csrfToken: r.csrf_token, createdAt: r.created_at, expiresAt: r.expires_at, ip: r.ip };
    },
    async delete(tokenHash) {
      await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
    },
    async deleteForUser(userId) {
      await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
    },
    async deleteForUserExcept(userId, keepTokenHash) {
      await db.deleteFrom('sessions').where('user_id', '=', userId).where('token_hash', '!=', keepTokenHash).execute();
    },
    async deleteExpired(now) {
      await db.deleteFrom('sessions').where('expires_at', '<', now).execute();
    },
  };
}
