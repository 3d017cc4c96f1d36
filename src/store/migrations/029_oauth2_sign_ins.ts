import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * "Connect with Microsoft / Google" moves from each process's memory into the store: a sign-in
 * started by one process (POST /accounts/:id/oauth2/connect) is finished by whichever process
 * the load balancer sends the browser back to (GET /oauth2/callback), and survives a restart;
 * the account's page shows the last outcome whichever process took the browser back.
 *
 * oauth2_sign_ins: one row per sign-in, kept a day after it ended (expired or spent) to tell a
 * late or second way back which it was. Neither the state nor the browser's key is stored, only
 * their SHA-256 (the state's is the key the way back looks up). The PKCE verifier is a row of
 * `secrets` (encrypted with the master key, re-encrypted by `mailroom rotate-key`), dropped when
 * the sign-in is spent or expires. No foreign key to accounts: a sign-in for an account deleted
 * meanwhile must still be found, to say so.
 *
 * oauth2_last_connects: the last outcome per account, gone with its account.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('oauth2_sign_ins')
    .addColumn('state_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('account_id', 'varchar(40)', (c) => c.notNull())
    .addColumn('account_version', 'integer', (c) => c.notNull())
    .addColumn('verifier_secret_id', 'varchar(40)', (c) => c.references('secrets.id'))
    .addColumn('redirect_uri', 'text', (c) => c.notNull())
    .addColumn('started_by', 'text', (c) => c.notNull())
    .addColumn('browser_key_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('spent_at', 'bigint')
    .execute();
  // Counting the open ones (at most 100) and pruning go by time.
  await db.schema.createIndex('oauth2_sign_ins_expires_idx').on('oauth2_sign_ins').column('expires_at').execute();

  await db.schema
    .createTable('oauth2_last_connects')
    .addColumn('account_id', 'varchar(40)', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
    .addColumn('outcome', 'varchar(16)', (c) => c.notNull())
    .addColumn('reason', 'varchar(200)')
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('hint', 'text')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('oauth2_last_connects').execute();
  // The verifiers go with their sign-ins (rows dropped first: they reference them).
  const held = await db.selectFrom('oauth2_sign_ins').select('verifier_secret_id').where('verifier_secret_id', 'is not', null).execute();
  await db.schema.dropTable('oauth2_sign_ins').execute();
  for (const { verifier_secret_id } of held) await db.deleteFrom('secrets').where('id', '=', verifier_secret_id).execute();
}
