import type { Kysely, Selectable } from 'kysely';
import type { AccountRepository, StoredAccount } from '../../core/senders/ports.js';
import type { InboundSettings } from '../../core/senders/inbound-settings.js';
import type { RateLimit } from '../../core/senders/servers.js';
import type { AccountAuth } from '../../core/senders/account-auth.js';
import type { DB } from '../schema.js';
import type { AccountsTable } from '../schema/senders.js';
import { flag, fromJson, toJson } from '../json.js';
import { updatedAtVersion } from './versioned.js';

function toAccount(r: Selectable<AccountsTable>): StoredAccount {
  return {
    id: r.id,
    serverId: r.server_id,
    address: r.address,
    login: r.login,
    fromName: r.from_name,
    replyTo: r.reply_to,
    aliases: fromJson<string[]>(r.aliases, []),
    passwordRef: r.password_ref,
    passwordSecretId: r.password_secret_id,
    auth: fromJson<AccountAuth>(r.auth, { type: 'password' }),
    clientSecretId: r.auth_client_secret_id,
    refreshTokenId: r.auth_refresh_token_id,
    passwordSet: r.password_secret_id !== null || r.password_ref !== null,
    active: r.active === 1,
    ownerId: r.owner_id,
    rateLimit: fromJson<RateLimit | null>(r.rate_limit, null),
    inbound: fromJson<InboundSettings | null>(r.inbound, null),
    source: r.source as StoredAccount['source'],
    overridden: fromJson<string[]>(r.overridden, []),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: r.version,
  };
}

function toRow(a: StoredAccount): Selectable<AccountsTable> {
  return {
    id: a.id,
    server_id: a.serverId,
    address: a.address,
    login: a.login,
    from_name: a.fromName,
    reply_to: a.replyTo,
    aliases: toJson(a.aliases),
    password_secret_id: a.passwordSecretId,
    password_ref: a.passwordRef,
    auth: a.auth.type === 'password' ? null : toJson(a.auth),
    auth_client_secret_id: a.clientSecretId,
    auth_refresh_token_id: a.refreshTokenId,
    active: flag(a.active),
    owner_id: a.ownerId,
    source: a.source,
    overridden: toJson(a.overridden),
    rate_limit: a.rateLimit ? toJson(a.rateLimit) : null,
    inbound: a.inbound ? toJson(a.inbound) : null,
    created_at: a.createdAt,
    updated_at: a.updatedAt,
    version: a.version,
  };
}

export function accountsRepository(db: Kysely<DB>): AccountRepository {
  return {
    async list(filter = {}) {
      let q = db.selectFrom('accounts').selectAll().orderBy('address').orderBy('id');
      if (filter.serverId) q = q.where('server_id', '=', filter.serverId);
      return (await q.execute()).map(toAccount);
    },
    async get(id) {
      const r = await db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toAccount(r);
    },
    async insert(a) {
      await db.insertInto('accounts').values(toRow(a)).execute();
    },
    async update(next, expectedVersion) {
      const { id: _id, created_at: _c, ...row } = toRow(next);
      return updatedAtVersion(db.updateTable('accounts').set(row).where('id', '=', next.id), expectedVersion);
    },
    async delete(id) {
      await db.deleteFrom('accounts').where('id', '=', id).execute();
    },
    async countByServer(serverId) {
      const r = await db.selectFrom('accounts').select((eb) => eb.fn.countAll<number>().as('n')).where('server_id', '=', serverId).executeTakeFirstOrThrow();
      return Number(r.n);
    },
  };
}
