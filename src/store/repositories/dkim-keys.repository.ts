import type { Kysely } from 'kysely';
import type { StoredDkimKey } from '../../core/senders/dkim.js';
import type { DkimKeyRepository } from '../../core/senders/ports.js';
import type { DB } from '../schema.js';
import type { DkimKeysTable } from '../schema/senders.js';
import { oneOf, rowMapping, same } from './row-mapping.js';
import { keyedTable } from './keyed-table.js';

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
  return keyedTable(db, { table: 'dkim_keys', key: 'domain', mapping: dkimKey, order: ['domain'], fixed: ['created_at'] });
}
