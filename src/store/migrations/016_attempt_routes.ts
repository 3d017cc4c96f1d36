import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Direct delivery sends one transaction per recipient domain, each to its own exchanger: the
 * attempt keeps, per domain, which exchanger answered, the address, the TLS negotiated and the
 * reply (JSON; null for attempts through a relay).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('attempts').addColumn('routes', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('attempts').dropColumn('routes').execute();
}
