import type { Kysely } from 'kysely';
import type { AccountRepository, StoredAccount } from '../../core/senders/ports.js';
import type { InboundSettings } from '../../core/senders/inbound-settings.js';
import type { RateLimit } from '../../core/senders/servers.js';
import type { AccountAuth } from '../../core/senders/account-auth.js';
import type { DB } from '../schema.js';
import type { AccountsTable } from '../schema/senders.js';
import { fromJson, toJson } from '../json.js';
import { keyedTable, referencedRows } from './keyed-table.js';
import type { SqlDialect } from '../sql-dialect.js';
import { bool, json, oneOf, optionalJson, renamed, rowMapping, same, type Codec, type RowMapping } from './row-mapping.js';

/** OAuth2 settings: the column is null for a password login. */
const auth: Codec<AccountAuth, string | null> = {
  read: (stored) => fromJson<AccountAuth>(stored, { type: 'password' }),
  write: (value) => (value.type === 'password' ? null : toJson(value)),
};

const columns = rowMapping<Omit<StoredAccount, 'passwordSet'>, AccountsTable>()({
  id: same,
  serverId: same,
  address: same,
  login: same,
  fromName: same,
  replyTo: same,
  aliases: json<string[]>([]),
  passwordRef: same,
  passwordSecretId: same,
  auth,
  clientSecretId: renamed('auth_client_secret_id'),
  refreshTokenId: renamed('auth_refresh_token_id'),
  active: bool,
  ownerId: same,
  rateLimit: optionalJson<RateLimit>(),
  inbound: optionalJson<InboundSettings>(),
  source: oneOf<StoredAccount['source']>(),
  overridden: json<string[]>([]),
  createdAt: same,
  updatedAt: same,
  version: same,
});

/** The columns, and whether a password is set (a stored secret or a vault reference): the UI shows that, never the password. */
const account: RowMapping<StoredAccount, AccountsTable> = columns.withComputed({
  passwordSet: (row: AccountsTable) => row.password_secret_id !== null || row.password_ref !== null,
});

export function accountsRepository(db: Kysely<DB>, dialect: SqlDialect): AccountRepository {
  const table = keyedTable(db, { table: 'accounts', key: 'id', mapping: account, order: ['address', 'id'], fixed: ['created_at'] });
  return {
    ...table,
    ...referencedRows(db, { table: 'accounts', key: 'id', mapping: account }, dialect),
    async list(filter = {}) {
      if (!filter.serverId) return table.list();
      const rows = await db.selectFrom('accounts').selectAll().where('server_id', '=', filter.serverId).orderBy('address').orderBy('id').execute();
      return rows.map(account.toDomain);
    },
    async countByServer(serverId) {
      const r = await db.selectFrom('accounts').select((eb) => eb.fn.countAll<number>().as('n')).where('server_id', '=', serverId).executeTakeFirstOrThrow();
      return Number(r.n);
    },
  };
}
