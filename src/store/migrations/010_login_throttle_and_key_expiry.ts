import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Failed logins move from each process's memory into the store, so that every process of a
 * scale-out counts against one limit: one row per client or email, holding the times of its
 * failures inside the window (at most the limit), dropped once they have all left it.
 *
 * API keys get an optional expiry, and remember the email of the user who made them (the
 * user may be deleted later; the list still says who it was). A key made through another API
 * key now names the person behind that key, so every key answers to a user or to the CLI.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('login_throttle')
    .addColumn('key', 'varchar(400)', (c) => c.primaryKey())
    .addColumn('failures', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('login_throttle_updated_idx').on('login_throttle').column('updated_at').execute();

  await db.schema.alterTable('api_keys').addColumn('expires_at', 'bigint').execute();
  await db.schema.alterTable('api_keys').addColumn('created_by_label', 'varchar(320)').execute();
  // Keys made with a key: follow the chain to the user (or the CLI, null) behind it.
  for (let depth = 0; depth < 10; depth++) {
    const r = await sql`update api_keys set created_by = (select parent.created_by from api_keys parent where parent.id = api_keys.created_by)
      where substr(created_by, 1, 4) = 'key_'`.execute(db);
    if (!Number(r.numAffectedRows ?? 0)) break;
  }
  await sql`update api_keys set created_by_label = (select u.email from users u where u.id = api_keys.created_by) where created_by is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('api_keys').dropColumn('created_by_label').execute();
  await db.schema.alterTable('api_keys').dropColumn('expires_at').execute();
  await db.schema.dropTable('login_throttle').execute();
}
