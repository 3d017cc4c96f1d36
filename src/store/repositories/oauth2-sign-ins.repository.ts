import { sql, type Kysely } from 'kysely';
import type { OAuth2SignIn, OAuth2SignInRepository } from '../../core/senders/oauth2-sign-ins.js';
import type { ConnectStarter } from '../../core/senders/oauth2-connect-flow.js';
import type { DB } from '../schema.js';
import type { OAuth2SignInsTable } from '../schema/oauth2.js';
import type { SqlDialect } from '../sql-dialect.js';
import { fromJson, toJson } from '../json.js';
import { rowMapping, same } from './row-mapping.js';

/**
 * What an empty column would read as (it is not null and always written): a starter who may
 * never store a token (stillPermitted refuses an SMTP credential), so the sign-in cannot end in one.
 */
const NOBODY: ConnectStarter = { label: 'unknown', ip: null, principal: { kind: 'smtp', id: '' } };

const signIn = rowMapping<OAuth2SignIn, OAuth2SignInsTable>()({
  stateHash: same,
  accountId: same,
  accountVersion: same,
  verifierSecretId: same,
  redirectUri: same,
  startedBy: { read: (stored: string) => fromJson<ConnectStarter>(stored, NOBODY), write: toJson },
  browserKeyHash: same,
  createdAt: same,
  expiresAt: same,
  spentAt: same,
});

/**
 * The key of PostgreSQL's transaction-scoped advisory lock that serialises Connect's starts
 * (any bigint Mailroom takes for nothing else: "OAuth2SI" in ASCII).
 */
const STARTS_LOCK = 0x4f41757468325349n;

/** "Connect" sign-ins, shared by every process on the database (see OAuth2SignInRepository). */
export function oauth2SignInsRepository(db: Kysely<DB>, dialect: SqlDialect): OAuth2SignInRepository {
  return {
    async lockStarts() {
      // SQLite: one writer, and this process runs one transaction at a time on its connection.
      if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${STARTS_LOCK.toString()}::bigint)`.execute(db);
    },
    async countOpen(now) {
      const r = await db
        .selectFrom('oauth2_sign_ins')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('spent_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },
    async insert(s) {
      await db.insertInto('oauth2_sign_ins').values(signIn.toRow(s)).execute();
    },
    async get(stateHash) {
      const r = await db.selectFrom('oauth2_sign_ins').selectAll().where('state_hash', '=', stateHash).executeTakeFirst();
      return r && signIn.toDomain(r);
    },
    async spend(stateHash, now, verifierSecretId) {
      // The WHERE is checked again on the row a concurrent spend left (PostgreSQL waits for its
      // commit, then finds spent_at set): the affected row count says who won.
      let update = db
        .updateTable('oauth2_sign_ins')
        .set({ spent_at: now, verifier_secret_id: null })
        .where('state_hash', '=', stateHash)
        .where('spent_at', 'is', null)
        .where('expires_at', '>', now);
      if (verifierSecretId !== undefined) update = update.where('verifier_secret_id', '=', verifierSecretId);
      const r = await update.executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async prune(now, endedBefore) {
      // Ended: spent, or expired unspent (then it still holds its verifier, returned to delete).
      const forgotten = await db
        .deleteFrom('oauth2_sign_ins')
        .where((eb) => eb(eb.fn.coalesce('spent_at', 'expires_at'), '<', endedBefore))
        .returning('verifier_secret_id')
        .execute();
      // The verifier of a sign-in expired unspent is of no more use: detached now, not a day
      // later; only while no way back has spent the sign-in meanwhile (that one holds it then).
      const expired = await db
        .selectFrom('oauth2_sign_ins')
        .select(['state_hash', 'verifier_secret_id'])
        .where('spent_at', 'is', null)
        .where('expires_at', '<=', now)
        .where('verifier_secret_id', 'is not', null)
        .execute();
      const detached = new Set<string>();
      if (expired.length) {
        const rows = await db
          .updateTable('oauth2_sign_ins')
          .set({ verifier_secret_id: null })
          .where('state_hash', 'in', expired.map((r) => r.state_hash))
          .where('spent_at', 'is', null)
          .where('verifier_secret_id', 'is not', null)
          .returning('state_hash')
          .execute();
        for (const r of rows) detached.add(r.state_hash);
      }
      return [...forgotten, ...expired.filter((r) => detached.has(r.state_hash))].map((r) => r.verifier_secret_id).filter((id): id is string => id !== null);
    },
  };
}
