import { sql, type Kysely } from 'kysely';
import type { LastConnect, LastConnectRepository } from '../../core/senders/oauth2-connect-outcome.js';
import type { DB } from '../schema.js';
import type { OAuth2LastConnectsTable } from '../schema/oauth2.js';
import { oneOf, rowMapping, same } from './row-mapping.js';

const lastConnect = rowMapping<LastConnect & { accountId: string }, OAuth2LastConnectsTable>()({
  accountId: same,
  outcome: oneOf<LastConnect['outcome']>(),
  reason: same,
  message: same,
  hint: same,
  at: same,
});

/** Each account's last Connect outcome: one row per account, replaced by the next, gone with the account. */
export function oauth2LastConnectsRepository(db: Kysely<DB>): LastConnectRepository {
  return {
    async record(accountId, last) {
      const row = lastConnect.toRow({ ...last, accountId });
      // Inserted from the account's row: an account deleted while its browser came back records
      // nothing (a plain insert would break the foreign key). Typed casts: PostgreSQL infers no
      // column type for a parameter in a select list.
      await db
        .insertInto('oauth2_last_connects')
        .columns(['account_id', 'outcome', 'reason', 'message', 'hint', 'at'])
        .expression((eb) =>
          eb
            .selectFrom('accounts')
            .select([
              'id',
              sql<string>`cast(${row.outcome} as varchar(16))`.as('outcome'),
              sql<string | null>`cast(${row.reason} as varchar(200))`.as('reason'),
              sql<string>`cast(${row.message} as text)`.as('message'),
              sql<string | null>`cast(${row.hint} as text)`.as('hint'),
              sql<number>`cast(${row.at} as bigint)`.as('at'),
            ])
            .where('id', '=', accountId),
        )
        .onConflict((oc) => oc.column('account_id').doUpdateSet({ outcome: row.outcome, reason: row.reason, message: row.message, hint: row.hint, at: row.at }))
        .execute();
    },
    async get(accountId) {
      const r = await db.selectFrom('oauth2_last_connects').selectAll().where('account_id', '=', accountId).executeTakeFirst();
      if (!r) return null;
      const { accountId: _, ...last } = lastConnect.toDomain(r);
      return last;
    },
  };
}
