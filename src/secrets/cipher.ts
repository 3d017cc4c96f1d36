import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { ErrorCodes, MailroomError } from '../core/kernel/errors.js';

/** A 32-byte AES-256 key and the short id stored beside every ciphertext it made. */
export interface MasterKey {
  id: string;
  key: Buffer;
}

export function masterKeyFrom(key: Buffer): MasterKey {
  if (key.length !== 32) {
    throw new MailroomError(ErrorCodes.SECRET_KEY_INVALID, `the master key must be 32 bytes (base64 of 32 random bytes), got ${key.length}`);
  }
  // The id identifies the key without revealing it: a truncated hash of the key itself.
  const id = createHash('sha256').update('mailroom-key-id:').update(key).digest('hex').slice(0, 16);
  return { id, key };
}

export function generateMasterKey(): MasterKey {
  return masterKeyFrom(randomBytes(32));
}

/** Format: v1.<iv b64>.<tag b64>.<ciphertext b64>; the key id is stored in its own column. */
export function encrypt(key: MasterKey, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key.key, iv);
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return ['v1', iv.toString('base64'), tag.toString('base64'), ct.toString('base64')].join('.');
}

export function decrypt(key: MasterKey, payload: string): string {
  const [version, iv, tag, ct] = payload.split('.');
  if (version !== 'v1' || !iv || !tag || ct === undefined) {
    throw new MailroomError(ErrorCodes.SECRET_KEY_INVALID, 'a stored secret has an unknown format');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new MailroomError(ErrorCodes.SECRET_KEY_MISMATCH, 'a stored secret could not be decrypted with the master key');
  }
}
