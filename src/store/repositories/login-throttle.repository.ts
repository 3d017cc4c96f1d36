import type { Kysely } from 'kysely';
import type { LoginThrottleRepository } from '../../core/access/ports.js';
import type { DB } from '../schema.js';
import { fromJson, toJson } from '../json.js';

/**
 * `lock` is one upsert: it creates the row or touches it, and either way PostgreSQL holds
 * the row lock until the transaction ends, so a second process counting the same key waits
 * for the first one's answer; SQLite has a single writer anyway.
 */
export function loginThrottleRepository(db: Kysely<DB>): LoginThrottleRepository {
  return {
    async lock(key, now) {
      const row = await db
        .insertInto('login_throttle')
        .values({ key, failures: '[]', updated_at: now })
        .onConflict((oc) => oc.column('key').doUpdateSet({ updated_at: now }))
        .returning('failures')
        .executeTakeFirstOrThrow();
      return fromJson<number[]>(row.failures, []).map(Number);
    },
    async save(key, failures, now) {
      await db.updateTable('login_throttle').set({ failures: toJson(failures), updated_at: now }).where('key', '=', key).execute();
    },
    async remove(key) {
      await db.deleteFrom('login_throttle').where('key', '=', key).execute();
    },
    async prune(before) {
      const r = await db.deleteFrom('login_throttle').where('updated_at', '<', before).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
