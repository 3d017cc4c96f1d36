import type { Kysely } from 'kysely';
import type { StoredNamedSecret } from '../../core/credentials/named-secrets.js';
import type { NamedSecretRepository, SecretProviderRepository } from '../../core/credentials/ports.js';
import type { ProviderConfig, StoredSecretProvider } from '../../core/credentials/providers.js';
import type { ProviderKind } from '../../core/credentials/references.js';
import type { DB } from '../schema.js';
import type { NamedSecretsTable, SecretProvidersTable } from '../schema/secrets.js';
import { json, oneOf, rowMapping, same } from './row-mapping.js';
import { updatedAtVersion } from './versioned.js';

const provider = rowMapping<StoredSecretProvider, SecretProvidersTable>()({
  id: same,
  name: same,
  kind: oneOf<ProviderKind>(),
  config: json<ProviderConfig>({} as ProviderConfig),
  credentialsSecretId: same,
  credentialsSet: json<string[]>([]),
  createdAt: same,
  updatedAt: same,
  version: same,
});

export function secretProvidersRepository(db: Kysely<DB>): SecretProviderRepository {
  return {
    async list() {
      return (await db.selectFrom('secret_providers').selectAll().orderBy('name').execute()).map(provider.toDomain);
    },
    async get(id) {
      const r = await db.selectFrom('secret_providers').selectAll().where('id', '=', id).executeTakeFirst();
      return r && provider.toDomain(r);
    },
    async insert(p) {
      await db.insertInto('secret_providers').values(provider.toRow(p)).execute();
    },
    async update(next, expectedVersion) {
      const { id: _id, created_at: _c, kind: _k, ...row } = provider.toRow(next);
      return updatedAtVersion(db.updateTable('secret_providers').set(row).where('id', '=', next.id), expectedVersion);
    },
    async delete(id) {
      await db.deleteFrom('secret_providers').where('id', '=', id).execute();
    },
  };
}

const namedSecret = rowMapping<StoredNamedSecret, NamedSecretsTable>()({
  name: same,
  description: same,
  secretId: same,
  createdAt: same,
  updatedAt: same,
  rotatedAt: same,
  version: same,
});

export function namedSecretsRepository(db: Kysely<DB>): NamedSecretRepository {
  return {
    async list() {
      return (await db.selectFrom('named_secrets').selectAll().orderBy('name').execute()).map(namedSecret.toDomain);
    },
    async get(name) {
      const r = await db.selectFrom('named_secrets').selectAll().where('name', '=', name).executeTakeFirst();
      return r && namedSecret.toDomain(r);
    },
    async insert(s) {
      await db.insertInto('named_secrets').values(namedSecret.toRow(s)).execute();
    },
    async update(next, expectedVersion) {
      const { name: _n, created_at: _c, ...row } = namedSecret.toRow(next);
      return updatedAtVersion(db.updateTable('named_secrets').set(row).where('name', '=', next.name), expectedVersion);
    },
    async delete(name) {
      await db.deleteFrom('named_secrets').where('name', '=', name).execute();
    },
  };
}
