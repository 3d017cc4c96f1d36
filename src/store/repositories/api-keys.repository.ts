import type { Kysely, Selectable } from 'kysely';
import type { Scope } from '../../core/access/auth.js';
import type { ApiKeyRecord, ApiKeyRepository } from '../../core/access/ports.js';
import type { DB } from '../schema.js';
import type { ApiKeysTable } from '../schema/access.js';
import { flag, fromJson, toJson } from '../json.js';

function toKey(r: Selectable<ApiKeysTable>): ApiKeyRecord {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    keyHash: r.key_hash,
    scopes: fromJson<Scope[]>(r.scopes, []),
    allowOverride: r.allow_override === 1,
    createdBy: r.created_by,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  };
}

export function apiKeysRepository(db: Kysely<DB>): ApiKeyRepository {
  return {
    async list() {
      return (await db.selectFrom('api_keys').selectAll().orderBy('created_at', 'desc').execute()).map(toKey);
    },
    async get(id) {
      const r = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toKey(r);
    },
    async findByHash(hash) {
      const r = await db.selectFrom('api_keys').selectAll().where('key_hash', '=', hash).executeTakeFirst();
      return r && toKey(r);
    },
    async insert(k) {
      await db
        .insertInto('api_keys')
        .values({
          id: k.id,
          name: k.name,
          key_hash: k.keyHash,
          prefix: k.prefix,
          scopes: toJson(k.scopes),
          allow_override: flag(k.allowOverride),
          created_by: k.createdBy,
          created_at: k.createdAt,
          last_used_at: k.lastUsedAt,
          revoked_at: k.revokedAt,
        })
        .execute();
    },
    async revoke(id, at) {
      await db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).execute();
    },
    async touch(id, at) {
      await db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
    },
  };
}
