import type { Kysely } from 'kysely';
import type { SettingsRepository } from '../../core/routing/ports.js';
import type { DB } from '../schema.js';
import { fromJson, toJson } from '../json.js';

export function settingsRepository(db: Kysely<DB>, now: () => number): SettingsRepository {
  return {
    async get<T>(key: string) {
      const r = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
      return r ? fromJson<T>(r.value, undefined as T) : undefined;
    },
    async all() {
      const rows = await db.selectFrom('settings').selectAll().execute();
      return Object.fromEntries(rows.map((r) => [r.key, { value: fromJson(r.value, null), updatedAt: r.updated_at, updatedBy: r.updated_by }]));
    },
    async set(key, value, by, opts = {}) {
      const row = { key, value: toJson(value), updated_at: opts.at ?? now(), updated_by: by };
      const { ifVersion } = opts;
      if (ifVersion === undefined) {
        await db
          .insertInto('settings')
          .values(row)
          .onConflict((oc) => oc.column('key').doUpdateSet({ value: row.value, updated_at: row.updated_at, updated_by: row.updated_by }))
          .execute();
        return true;
      }
      // Conditional: on PostgreSQL a concurrent save holds the row (or the key) until it commits,
      // and this statement then finds the version changed (or the row there) and writes nothing.
      if (ifVersion === 0) {
        const r = await db.insertInto('settings').values(row).onConflict((oc) => oc.column('key').doNothing()).executeTakeFirst();
        return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
      }
      const r = await db.updateTable('settings').set({ value: row.value, updated_at: row.updated_at, updated_by: row.updated_by }).where('key', '=', key).where('updated_at', '=', ifVersion).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async delete(key) {
      await db.deleteFrom('settings').where('key', '=', key).execute();
    },
  };
}
