import type { Kysely } from 'kysely';
import type { ProcessPart, ProcessRecord, ProcessRepository, ProcessRole } from '../../core/processes/ports.js';
import type { MailDriver } from '../../core/senders/deploy-vars.js';
import type { DB } from '../schema.js';
import type { ProcessesTable } from '../schema/processes.js';
import { json, oneOf, rowMapping, same } from './row-mapping.js';

const processRow = rowMapping<ProcessRecord, ProcessesTable>()({
  id: same,
  role: oneOf<ProcessRole>(),
  hostname: same,
  pid: same,
  version: same,
  runs: json<ProcessPart[]>([]),
  mailDriver: { read: (stored: string | null) => stored as MailDriver | null, write: (value: MailDriver | null) => value },
  startedAt: same,
  lastSeenAt: same,
});

/** The processes sharing the store: one statement per heartbeat, a row each. */
export function processesRepository(db: Kysely<DB>): ProcessRepository {
  return {
    async beat(record) {
      const row = processRow.toRow(record);
      // One upsert: the first beat inserts, the next ones refresh; a row pruned while this
      // process was paused (a day) comes back with its next beat.
      await db
        .insertInto('processes')
        .values(row)
        .onConflict((oc) => oc.column('id').doUpdateSet({ runs: row.runs, last_seen_at: row.last_seen_at }))
        .execute();
    },
    async remove(id) {
      await db.deleteFrom('processes').where('id', '=', id).execute();
    },
    async list() {
      const rows = await db.selectFrom('processes').selectAll().orderBy('started_at').orderBy('id').execute();
      return rows.map((r) => processRow.toDomain(r));
    },
    async prune(before) {
      const res = await db.deleteFrom('processes').where('last_seen_at', '<', before).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}
