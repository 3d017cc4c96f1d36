import type { Kysely, Selectable } from 'kysely';
import type { StoredNamedSecret } from '../../core/credentials/named-secrets.js';
import type { NamedSecretRepository, SecretProviderRepository } from '../../core/credentials/ports.js';
import type { ProviderConfig, StoredSecretProvider } from '../../core/credentials/providers.js';
import type { ProviderKind } from '../../core/credentials/references.js';
import { fromJson, toJson } from '../json.js';
import type { DB } from '../schema.js';
import type { NamedSecretsTable, SecretProvidersTable } from '../schema/secrets.js';

function toProvider(r: Selectable<SecretProvidersTable>): StoredSecretProvider {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind as ProviderKind,
    config: fromJson<ProviderConfig>(r.config, {} as ProviderConfig),
    credentialsSecretId: r.credentials_secret_id,
    credentialsSet: fromJson<string[]>(r.credentials_set, []),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    version: r.version,
  };
}

function providerRow(p: StoredSecretProvider): SecretProvidersTable {
  return {
    id: p.id,
    name: p.name,
    kind: p.kind,
    config: toJson(p.config),
    credentials_secret_id: p.credentialsSecretId,
    credentials_set: toJson(p.credentialsSet),
    created_at: p.createdAt,
    updated_at: p.updatedAt,
    version: p.version,
  };
}

export function secretProvidersRepository(db: Kysely<DB>): SecretProviderRepository {
  return {
    async list() {
      return (await db.selectFrom('secret_providers').selectAll().orderBy('name').execute()).map(toProvider);
    },
    async get(id) {
      const r = await db.selectFrom('secret_providers').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toProvider(r);
    },
    async insert(p) {
      await db.insertInto('secret_providers').values(providerRow(p)).execute();
    },
    async update(next, expectedVersion) {
      const { id: _id, created_at: _c, kind: _k, ...row } = providerRow(next);
      const res = await db.updateTable('secret_providers').set(row).where('id', '=', next.id).where('version', '=', expectedVersion).executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
    async delete(id) {
      await db.deleteFrom('secret_providers').where('id', '=', id).execute();
    },
  };
}

function toNamed(r: Selectable<NamedSecretsTable>): StoredNamedSecret {
  return {
    name: r.name,
    description: r.description,
    secretId: r.secret_id,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    rotatedAt: Number(r.rotated_at),
    version: r.version,
  };
}

function namedRow(s: StoredNamedSecret): NamedSecretsTable {
  return { name: s.name, description: s.description, secret_id: s.secretId, created_at: s.createdAt, updated_at: s.updatedAt, rotated_at: s.rotatedAt, version: s.version };
}

export function namedSecretsRepository(db: Kysely<DB>): NamedSecretRepository {
  return {
    async list() {
      return (await db.selectFrom('named_secrets').selectAll().orderBy('name').execute()).map(toNamed);
    },
    async get(name) {
      const r = await db.selectFrom('named_secrets').selectAll().where('name', '=', name).executeTakeFirst();
      return r && toNamed(r);
    },
    async insert(s) {
      await db.insertInto('named_secrets').values(namedRow(s)).execute();
    },
    async update(next, expectedVersion) {
      const { name: _n, created_at: _c, ...row } = namedRow(next);
      const res = await db.updateTable('named_secrets').set(row).where('name', '=', next.name).where('version', '=', expectedVersion).executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
    async delete(name) {
      await db.deleteFrom('named_secrets').where('name', '=', name).execute();
    },
  };
}
