import type { Kysely } from 'kysely';
import { ErrorCodes, MailroomError, notFound } from '../../core/kernel/errors.js';
import { newId } from '../../core/kernel/ids.js';
import type { SecretRepository } from '../../core/senders/ports.js';
import type { DB } from '../schema.js';
import type { Keyring } from '../../secrets/keyring.js';
import { KEY_CHECK_ID } from '../../secrets/rotation.js';
import type { SqlDialect } from '../sql-dialect.js';

/** Secrets encrypted with the keyring's current key; plaintext never reaches the database. */
export function secretsRepository(db: Kysely<DB>, keyring: Keyring, now: () => number, dialect: SqlDialect): SecretRepository {
  /**
   * PostgreSQL: writes `fn` only while this process's key is still the database's. A process
   * started before a `mailroom rotate-key` holds the old key (rotate-key refuses beside the
   * processes it sees, but a `start --no-workers` or one with MAILROOM_LISTEN_URL=off has no
   * LISTEN connection to be seen by): a secret it wrote then would be readable by no deployed
   * key, and every later start would refuse the database for it. The key check is read FOR
   * SHARE in the writing transaction and rotate-key takes it FOR UPDATE before it reads the
   * secrets, so a write either commits before the rotation reads (and is re-encrypted with the
   * rest) or waits for it and is refused. A delete takes the same lock without the refusal:
   * a transaction that deletes one secret and then writes another (a webhook's secret rotated,
   * an OAuth2 client secret given up) would otherwise hold the deleted row the rotation waits
   * for while waiting on the key check the rotation holds, a deadlock. SQLite has one process,
   * and rotate-key is refused beside it (the data directory's lock).
   */
  const underKeyCheck = async (fn: (trx: Kysely<DB>) => Promise<void>, refuseStale: boolean) => {
    if (dialect !== 'postgres') return fn(db);
    const guarded = async (trx: Kysely<DB>) => {
      const check = await trx.selectFrom('secrets').select('key_id').where('id', '=', KEY_CHECK_ID).forShare().executeTakeFirst();
      if (refuseStale && check && check.key_id !== keyring.current.id) throw rotatedMeanwhile(check.key_id, keyring.current.id);
      await fn(trx);
    };
    return db.isTransaction ? guarded(db) : db.transaction().execute(guarded);
  };
  const writeUnderCurrentKey = (fn: (trx: Kysely<DB>) => Promise<void>) => underKeyCheck(fn, true);
  return {
    async put(plaintext) {
      const id = newId('sec');
      const { keyId, ciphertext } = keyring.encrypt(plaintext);
      const t = now();
      await writeUnderCurrentKey((trx) => trx.insertInto('secrets').values({ id, key_id: keyId, ciphertext, created_at: t, updated_at: t }).execute().then(() => undefined));
      return id;
    },
    async replace(id, plaintext) {
      const { keyId, ciphertext } = keyring.encrypt(plaintext);
      await writeUnderCurrentKey((trx) => trx.updateTable('secrets').set({ key_id: keyId, ciphertext, updated_at: now() }).where('id', '=', id).execute().then(() => undefined));
    },
    async reveal(id) {
      const r = await db.selectFrom('secrets').select(['key_id', 'ciphertext']).where('id', '=', id).executeTakeFirst();
      if (!r) throw notFound('secret', id);
      return keyring.decrypt(r.key_id, r.ciphertext);
    },
    async delete(id) {
      await underKeyCheck((trx) => trx.deleteFrom('secrets').where('id', '=', id).execute().then(() => undefined), false);
    },
  };
}

function rotatedMeanwhile(databaseKey: string, ownKey: string): MailroomError {
  return new MailroomError(
    ErrorCodes.SECRET_KEY_MISMATCH,
    `the database's secrets are now encrypted with master key ${databaseKey} (\`mailroom rotate-key\` ran while this process was running with key ${ownKey}); ` +
      'nothing was stored: restart this process with the new key, then try again',
  );
}
