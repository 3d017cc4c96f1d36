import { PostgresAdapter, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Room for every actor label and audit target on PostgreSQL. An actor is `user:<email>`, and an
 * email may be 320 characters: a user with an email of 316–320 characters could not sign in
 * (the login's audit entry did not fit `audit.actor varchar(320)`: a 500). An audit entry's
 * target is an address (a suppression, up to 320) or a domain (DKIM, up to 253), which did not
 * fit `audit.target_id varchar(100)`. Every column that holds an actor's label or an audit
 * target is now varchar(400), as templates' and layouts' `updated_by` already were.
 *
 * Widening a varchar changes only the catalog on PostgreSQL (no table rewrite, the index on the
 * target kept), so it is instant with millions of messages. SQLite does not enforce the length.
 */
const COLUMNS: ReadonlyArray<[table: string, column: string, before: number]> = [
  ['audit', 'actor', 320],
  ['audit', 'target_id', 100],
  ['api_keys', 'created_by_label', 320],
  ['messages', 'created_by', 320],
  ['notify_events', 'created_by', 320],
  ['notify_rules', 'created_by', 320],
  ['settings', 'updated_by', 320],
  ['smtp_credentials', 'created_by', 320],
  ['suppressions', 'created_by', 320],
  ['webhook_endpoints', 'created_by', 320],
];

const WIDE = 400;

async function setWidth(db: Kysely<any>, width: (before: number) => number): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  for (const [table, column, before] of COLUMNS) {
    await db.schema
      .alterTable(table)
      .alterColumn(column, (c) => c.setDataType(`varchar(${width(before)})`))
      .execute();
  }
}

export async function up(db: Kysely<any>): Promise<void> {
  await setWidth(db, () => WIDE);
}

export async function down(db: Kysely<any>): Promise<void> {
  await setWidth(db, (before) => before);
}
