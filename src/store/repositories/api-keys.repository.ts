import type { Kysely, Selectable } from 'kysely';
import type { Scope } from '../../core/access/auth.js';
import type { ApiKeyRecord, ApiKeyRepository, StoredApiKey } from '../../core/access/ports.js';
import type { Role } from '../../core/access/users.js';
import type { DB } from '../schema.js';
import type { ApiKeysTable } from '../schema/access.js';
import { bool, json, rowMapping, same } from './row-mapping.js';

type Row = Selectable<ApiKeysTable> & { creator_email: string | null; creator_role: string | null; creator_disabled: number | null };

const apiKey = rowMapping<ApiKeyRecord, ApiKeysTable>()({
  id: same,
  name: same,
  prefix: same,
  keyHash: same,
  scopes: json<Scope[]>([]),
  allowOverride: bool,
  createdBy: same,
  createdByLabel: same,
  createdAt: same,
  lastUsedAt: same,
  revokedAt: same,
  expiresAt: same,
});

const storedKey = apiKey.withComputed({
  // The joined user row: absent when the key has no creator or the creator was deleted.
  creatorUser: (r: Row): StoredApiKey['creatorUser'] => (r.creator_email === null ? undefined : { email: r.creator_email, role: r.creator_role as Role, disabled: r.creator_disabled === 1 }),
});
const toKey = (r: Row): StoredApiKey => storedKey.toDomain(r);

/** Every read joins the creator's user row as it is now: one query decides whether the key still works. */
function selectKeys(db: Kysely<DB>) {
  return db
    .selectFrom('api_keys')
    .leftJoin('users', 'users.id', 'api_keys.created_by')
    .selectAll('api_keys')
    .select(['users.email as creator_email', 'users.role as creator_role', 'users.disabled as creator_disabled']);
}

export function apiKeysRepository(db: Kysely<DB>): ApiKeyRepository {
  return {
    async list() {
      return (await selectKeys(db).orderBy('api_keys.created_at', 'desc').execute()).map(toKey);
    },
    async get(id) {
      const r = await selectKeys(db).where('api_keys.id', '=', id).executeTakeFirst();
      return r && toKey(r);
    },
    async findByHash(hash) {
      const r = await selectKeys(db).where('api_keys.key_hash', '=', hash).executeTakeFirst();
      return r && toKey(r);
    },
    async insert(k) {
      await db.insertInto('api_keys').values(apiKey.toRow(k)).execute();
    },
    async revoke(id, at) {
      await db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).execute();
    },
    async touch(id, at) {
      await db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
    },
  };
}
