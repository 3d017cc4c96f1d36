import type { Kysely } from 'kysely';
import type { SendCounterRepository } from '../../core/routing/ports.js';
import type { DB } from '../schema.js';

/**
 * Rate-limit counters. `bump` is one conditional upsert: PostgreSQL locks the row for the
 * duration, so processes on several machines never count past the limit together; SQLite has
 * a single writer anyway.
 */
export function sendCountersRepository(db: Kysely<DB>): SendCounterRepository {
  return {
    async bump(scope, window, windowStart, limit) {
      const row = await db
        .insertInto('send_counters')
        .values({ scope, window, window_start: windowStart, count: 1 })
        .onConflict((oc) =>
          oc
            .columns(['scope', 'window', 'window_start'])
            .doUpdateSet((eb) => ({ count: eb('send_counters.count', '+', 1) }))
            .where('send_counters.count', '<', limit),
        )
        .returning('count')
        .executeTakeFirst();
      return row !== undefined;
    },
    async release(scope, window, windowStart) {
      await db
        .updateTable('send_counters')
        .set((eb) => ({ count: eb('count', '-', 1) }))
        .where('scope', '=', scope)
        .where('window', '=', window)
        .where('window_start', '=', windowStart)
        .where('count', '>', 0)
        .execute();
    },
    async prune(scope, before) {
      await db.deleteFrom('send_counters').where('scope', '=', scope).where('window_start', '<', before).execute();
    },
  };
}
