import type { Kysely } from 'kysely';
import { notFound } from '../../core/kernel/errors.js';
import { newId } from '../../core/kernel/ids.js';
import type { SecretRepository } from '../../core/senders/ports.js';
import type { DB } from '../schema.js';
import type { Keyring } from '../../secrets/keyring.js';

/** Secrets encrypted with the keyring's current key; plaintext never reaches the database. */
export function secretsRepository(db: Kysely<DB>, keyring: Keyring, now: () => number): SecretRepository {
  return {
    async put(plaintext) {
      const id = newId('sec');
      const { keyId, ciphertext } = keyring.encrypt(plaintext);
      const t = now();
      await db.insertInto('secrets').values({ id, key_id: keyId, ciphertext, created_at: t, updated_at: t }).execute();
      return id;
    },
    async replace(id, plaintext) {
      const { keyId, ciphertext } = keyring.encrypt(plaintext);
      await db.updateTable('secrets').set({ key_id: keyId, ciphertext, updated_at: now() }).where('id', '=', id).execute();
    },
    async reveal(id) {
      const r = await db.selectFrom('secrets').select(['key_id', 'ciphertext']).where('id', '=', id).executeTakeFirst();
      if (!r) throw notFound('secret', id);
      return keyring.decrypt(r.key_id, r.ciphertext);
    },
    async delete(id) {
      await db.deleteFrom('secrets').where('id', '=', id).execute();
    },
  };
}
