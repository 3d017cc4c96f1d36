import type { Kysely } from 'kysely';
import type { StoredNamedSecret } from '../../core/credentials/named-secrets.js';
import type { NamedSecretRepository, SecretProviderRepository } from '../../core/credentials/ports.js';
import type { ProviderConfig, StoredSecretProvider } from '../../core/credentials/providers.js';
import type { ProviderKind } from '../../core/credentials/references.js';
import type { DB } from '../schema.js';
import type { NamedSecretsTable, SecretProvidersTable } from '../schema/secrets.js';
import { json, oneOf, rowMapping, same } from './row-mapping.js';
import { keyedTable } from './keyed-table.js';

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
  return keyedTable(db, { table: 'secret_providers', key: 'id', mapping: provider, order: ['name'], fixed: ['created_at', 'kind'] });
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
  return keyedTable(db, { table: 'named_secrets', key: 'name', mapping: namedSecret, order: ['name'], fixed: ['created_at'] });
}
