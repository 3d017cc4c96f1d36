import type { Kysely, Selectable } from 'kysely';
import type { StoredDkimKey } from '../../core/senders/dkim.js';
import type { DkimKeyRepository } from '../../core/senders/ports.js';
import type { DB } from '../schema.js';
import type { DkimKeysTable } from '../schema/senders.js';
import { updatedAtVersion } from './versioned.js';

function toKey(r: Selectable<DkimKeysTable>): StoredDkimKey {
  return {
    domain: r.domain,
    selector: r.selector,
    privateKeySecretId: r.private_key_secret_id,
    publicKey: r.public_key,
    keyBits: Number(r.key_bits),
    source: r.source as StoredDkimKey['source'],
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    version: Number(r.version),
  };
}

function toRow(k: StoredDkimKey): Selectable<DkimKeysTable> {
  return {
    domain: k.domain,
    selector: k.selector,
    private_key_secret_id: k.privateKeySecretId,
    public_key: k.publicKey,
    key_bits: k.keyBits,
    source: k.source,
    created_at: k.createdAt,
    updated_at: k.updatedAt,
    version: k.version,
  };
}

export function dkimKeysRepository(db: Kysely<DB>): DkimKeyRepository {
  return {
    async list() {
      return (await db.selectFrom('dkim_keys').selectAll().orderBy('domain').execute()).map(toKey);
    },
    async get(domain) {
      const r = await db.selectFrom('dkim_keys').selectAll().where('domain', '=', domain).executeTakeFirst();
      return r && toKey(r);
    },
    async insert(k) {
      await db.insertInto('dkim_keys').values(toRow(k)).execute();
    },
    async update(next, expectedVersion) {
      const { domain: _d, created_at: _c, ...row } = toRow(next);
      return updatedAtVersion(db.updateTable('dkim_keys').set(row).where('domain', '=', next.domain), expectedVersion);
    },
    async delete(domain) {
      await db.deleteFrom('dkim_keys').where('domain', '=', domain).execute();
    },
  };
}
