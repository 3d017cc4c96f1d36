import type { Kysely, Selectable } from 'kysely';
import type { ServerRepository } from '../../core/senders/ports.js';
import type { MailServer, ServerConfig } from '../../core/senders/servers.js';
import type { DB } from '../schema.js';
import type { ServersTable } from '../schema/senders.js';
import { fromJson, toJson } from '../json.js';
import { keyedTable, referencedRows } from './keyed-table.js';
import type { SqlDialect } from '../sql-dialect.js';

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

export function serversRepository(db: Kysely<DB>, dialect: SqlDialect): ServerRepository {
  const mapping = { toDomain: toServer, toRow };
  return {
    ...keyedTable(db, { table: 'servers', key: 'id', mapping, order: ['name'], fixed: ['created_at'] }),
    ...referencedRows(db, { table: 'servers', key: 'id', mapping }, dialect),
    async findByName(name) {
      const r = await db.selectFrom('servers').selectAll().where('name', '=', name).executeTakeFirst();
      return r && toServer(r);
    },
  };
}
