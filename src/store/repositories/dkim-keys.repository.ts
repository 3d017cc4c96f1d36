import type { Kysely } from 'kysely';
import type { StoredDkimKey } from '../../core/senders/dkim.js';
import type { DkimKeyRepository } from '../../core/senders/ports.js';
import type { DB } from '../schema.js';
import type { DkimKeysTable } from '../schema/senders.js';
import { oneOf, rowMapping, same } from './row-mapping.js';
import { updatedAtVersion } from './versioned.js';

const dkimKey = rowMapping<StoredDkimKey, DkimKeysTable>()({
  domain: same,
  selector: same,
  privateKeySecretId: same,
  publicKey: same,
  keyBits: same,
  source: oneOf<StoredDkimKey['source']>(),
  createdAt: same,
  updatedAt: same,
  version: same,
});

export function dkimKeysRepository(db: Kysely<DB>): DkimKeyRepository {
  return {
    async list() {
      return (await db.selectFrom('dkim_keys').selectAll().orderBy('domain').execute()).map(dkimKey.toDomain);
    },
    async get(domain) {
      const r = await db.selectFrom('dkim_keys').selectAll().where('domain', '=', domain).executeTakeFirst();
      return r && dkimKey.toDomain(r);
    },
    async insert(k) {
      await db.insertInto('dkim_keys').values(dkimKey.toRow(k)).execute();
    },
    async update(next, expectedVersion) {
      const { domain: _d, created_at: _c, ...row } = dkimKey.toRow(next);
      return updatedAtVersion(db.updateTable('dkim_keys').set(row).where('domain', '=', next.domain), expectedVersion);
    },
    async delete(domain) {
      await db.deleteFrom('dkim_keys').where('domain', '=', domain).execute();
    },
  };
}
