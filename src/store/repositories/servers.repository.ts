import type { Kysely, Selectable } from 'kysely';
import type { ServerRepository } from '../../core/senders/ports.js';
import type { MailServer, ServerConfig } from '../../core/senders/servers.js';
import type { DB } from '../schema.js';
import type { ServersTable } from '../schema/senders.js';
import { fromJson, toJson } from '../json.js';
import { updatedAtVersion } from './versioned.js';

function toServer(r: Selectable<ServersTable>): MailServer {
  const c = fromJson<Omit<ServerConfig, 'name'>>(r.config, {} as ServerConfig);
  return {
    id: r.id,
    name: r.name,
    // Rows from before direct delivery carry no mode: they are relays.
    smtp: { mode: 'relay', ...c.smtp },
    imap: c.imap ?? null,
    retry: c.retry,
    rateLimit: c.rateLimit ?? null,
    source: r.source as MailServer['source'],
    overridden: fromJson<string[]>(r.overridden, []),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: r.version,
  };
}

function toRow(s: MailServer): Selectable<ServersTable> {
  return {
    id: s.id,
    name: s.name,
    config: toJson({ smtp: s.smtp, imap: s.imap, retry: s.retry, rateLimit: s.rateLimit }),
    source: s.source,
    overridden: toJson(s.overridden),
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    version: s.version,
  };
}

export function serversRepository(db: Kysely<DB>): ServerRepository {
  return {
    async list() {
      return (await db.selectFrom('servers').selectAll().orderBy('name').execute()).map(toServer);
    },
    async get(id) {
      const r = await db.selectFrom('servers').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toServer(r);
    },
    async findByName(name) {
      const r = await db.selectFrom('servers').selectAll().where('name', '=', name).executeTakeFirst();
      return r && toServer(r);
    },
    async insert(s) {
      await db.insertInto('servers').values(toRow(s)).execute();
    },
    async update(next, expectedVersion) {
      const { id: _id, created_at: _c, ...row } = toRow(next);
      return updatedAtVersion(db.updateTable('servers').set(row).where('id', '=', next.id), expectedVersion);
    },
    async delete(id) {
      await db.deleteFrom('servers').where('id', '=', id).execute();
    },
  };
}
