import type { Kysely } from 'kysely';
import { existsSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { ErrorCodes, MailroomError } from '../core/kernel/errors.js';
import type { DB } from '../store/schema.js';
import type { SqlDialect } from '../store/sql-dialect.js';
import { encrypt, generateMasterKey, type MasterKey } from './cipher.js';
import { Keyring, NEXT_KEY_FILE, loadKeyring, promoteNextKeyFile, writeNextKeyFile, encodeKey } from './keyring.js';

/** A fixed secret whose only purpose is to prove, at start, that the key is the right one. */
export const KEY_CHECK_ID = 'key_check';
const KEY_CHECK_TEXT = 'mailroom-key-check';

/**
 * Opens the keyring for this database: refuses to start with a missing or wrong key (an
 * explicit error now rather than undecryptable passwords later), finishes an interrupted
 * rotation, and records the key check on first start.
 */
export async function openKeyring(db: Kysely<DB>, opts: { envKey?: string; dataDir: string; joinOnly?: { where: string; todo: string } }, now: number): Promise<Keyring> {
  const check = await db.selectFrom('secrets').select(['key_id', 'ciphertext']).where('id', '=', KEY_CHECK_ID).executeTakeFirst();
  // A process that joins a store (`mailroom worker`: CoreOptions.joinOnly) never records the
  // first key: started beside the first `mailroom start` of a new database (the schema there,
  // the key check not yet), it would make a key of its own and race that start to record it.
  if (!check && opts.joinOnly) {
    throw new MailroomError(ErrorCodes.CONFIG, `there is no Mailroom data in ${opts.joinOnly.where} yet (no master key recorded): ${opts.joinOnly.todo}`);
  }
  let keyring = loadKeyring({ ...opts, createIfMissing: !check });
  if (!check) {
    const { keyId, ciphertext } = keyring.encrypt(KEY_CHECK_TEXT);
    const inserted = await db
      .insertInto('secrets')
      .values({ id: KEY_CHECK_ID, key_id: keyId, ciphertext, created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return keyring;
    // Another process starting on the same fresh store wrote its check first (replicas started
    // together): this key must be the one it wrote with, checked as at any later start.
    return openKeyring(db, opts, now);
  }
  if (!keyring.knows(check.key_id)) {
    throw new MailroomError(
      ErrorCodes.SECRET_KEY_MISMATCH,
      `the database's secrets were encrypted with master key ${check.key_id}, but the key provided ` +
        `(${keyring.origin.kind === 'env' ? 'MAILROOM_SECRET_KEY' : keyring.origin.path}) is ${keyring.current.id}; ` +
        'start with the original key (or the new one printed by `mailroom rotate-key`)',
    );
  }
  keyring.decrypt(check.key_id, check.ciphertext);
  // Every secret must be readable now, not at the first send hours later.
  const keyIds = await db.selectFrom('secrets').select('key_id').distinct().execute();
  const unknown = keyIds.map((r) => r.key_id).filter((id) => !keyring.knows(id));
  if (unknown.length) {
    throw new MailroomError(ErrorCodes.SECRET_KEY_MISMATCH, `some stored secrets were encrypted with key ${unknown.join(', ')}, which is not available; restore that key`);
  }
  const next = path.join(opts.dataDir, NEXT_KEY_FILE);
  if (keyring.origin.kind === 'file' && existsSync(next)) {
    // An interrupted rotation: its transaction either committed (promote the new key) or not (drop it).
    if (check.key_id !== keyring.current.id) promoteNextKeyFile(opts.dataDir);
    else unlinkSync(next);
    keyring = loadKeyring({ ...opts, createIfMissing: false });
  }
  return keyring;
}

/**
 * Re-encrypts every secret under a new master key in one transaction. With a key file the
 * new key is written beside it first and renamed over it after the commit; with
 * MAILROOM_SECRET_KEY the new key is returned for the operator to deploy.
 */
export async function rotateMasterKey(
  db: Kysely<DB>,
  keyring: Keyring,
  dataDir: string,
  now: number,
  dialect: SqlDialect,
  newKey: MasterKey = generateMasterKey(),
): Promise<{ oldKeyId: string; newKeyId: string; count: number; newKeyBase64?: string }> {
  if (newKey.id === keyring.current.id) throw new MailroomError(ErrorCodes.VALIDATION, 'the new key is the key already in use');
  if (keyring.origin.kind === 'file') writeNextKeyFile(dataDir, newKey);
  const count = await db.transaction().execute(async (trx) => {
    // PostgreSQL: a secret written meanwhile by a process that holds the old key either commits
    // before the rows are read, or waits for this commit and is refused (secrets.repository.ts).
    if (dialect === 'postgres') await trx.selectFrom('secrets').select('id').where('id', '=', KEY_CHECK_ID).forUpdate().execute();
    const rows = await trx.selectFrom('secrets').select(['id', 'key_id', 'ciphertext']).execute();
    for (const r of rows) {
      const plaintext = keyring.decrypt(r.key_id, r.ciphertext);
      await trx.updateTable('secrets').set({ key_id: newKey.id, ciphertext: encrypt(newKey, plaintext), updated_at: now }).where('id', '=', r.id).execute();
    }
    return rows.length;
  });
  if (keyring.origin.kind === 'file') promoteNextKeyFile(dataDir);
  return {
    oldKeyId: keyring.current.id,
    newKeyId: newKey.id,
    count,
    ...(keyring.origin.kind === 'env' ? { newKeyBase64: encodeKey(newKey) } : {}),
  };
}

export { Keyring };
