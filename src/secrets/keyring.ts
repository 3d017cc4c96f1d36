import { chmodSync, existsSync, linkSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ErrorCodes, MailroomError } from '../core/kernel/errors.js';
import { decrypt, encrypt, generateMasterKey, masterKeyFrom, type MasterKey } from './cipher.js';
import { ensureDirectory } from '../ensure-directory.js';
import { ownerOnlyFile } from '../owner-only-file.js';
import { whyUnreadable } from '../unreadable-file.js';

export const KEY_FILE = 'secret.key';
/** Written before a rotation's transaction, renamed over KEY_FILE after it commits. */
export const NEXT_KEY_FILE = 'secret.key.next';

/**
 * The master keys this process can use: the current one (encrypts) and, during or after an
 * interrupted rotation, the other one (decrypts only). Ciphertexts name their key id, so
 * decryption never guesses.
 */
export class Keyring {
  constructor(
    readonly current: MasterKey,
    private readonly others: MasterKey[] = [],
    /** Where the key came from, for setup checks and messages. */
    readonly origin: { kind: 'env' } | { kind: 'file'; path: string },
  ) {}

  encrypt(plaintext: string): { keyId: string; ciphertext: string } {
    return { keyId: this.current.id, ciphertext: encrypt(this.current, plaintext) };
  }

  decrypt(keyId: string, ciphertext: string): string {
    const key = [this.current, ...this.others].find((k) => k.id === keyId);
    if (!key) {
      throw new MailroomError(
        ErrorCodes.SECRET_KEY_MISMATCH,
        `a stored secret was encrypted with key ${keyId}, but the master key in use is ${this.current.id}: ` +
          'start Mailroom with the key it was written with (MAILROOM_SECRET_KEY or the key file in the data directory); ' +
          'if `mailroom rotate-key` re-encrypted the secrets while this process was running, restart it with the new key',
      );
    }
    return decrypt(key, ciphertext);
  }

  knows(keyId: string): boolean {
    return this.current.id === keyId || this.others.some((k) => k.id === keyId);
  }
}

function parseKey(text: string, where: string): MasterKey {
  const trimmed = text.trim();
  const raw = Buffer.from(trimmed, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || raw.length !== 32) {
    throw new MailroomError(ErrorCodes.SECRET_KEY_INVALID, `${where} must hold a base64-encoded 32-byte key (e.g. \`openssl rand -base64 32\`)`);
  }
  return masterKeyFrom(raw);
}

export function encodeKey(key: MasterKey): string {
  return key.key.toString('base64');
}

/**
 * Loads the master key: MAILROOM_SECRET_KEY if set, else the key file in the data dir, which
 * is created (mode 0600) when `createIfMissing` and no file exists yet.
 */
export function loadKeyring(opts: { envKey?: string; dataDir: string; createIfMissing: boolean }): Keyring {
  if (opts.envKey !== undefined && opts.envKey !== '') {
    return new Keyring(parseKey(opts.envKey, 'MAILROOM_SECRET_KEY'), [], { kind: 'env' });
  }
  const file = path.join(opts.dataDir, KEY_FILE);
  const next = path.join(opts.dataDir, NEXT_KEY_FILE);
  if (!existsSync(file)) {
    if (existsSync(next)) {
      // A rotation was interrupted after its key was written but before the rename.
      renameSync(next, file);
    } else if (opts.createIfMissing) {
      // On PostgreSQL nothing else creates the data directory: the key file may be its first file.
      ensureDirectory(opts.dataDir, 'data directory');
      createKeyFile(file);
    } else {
      throw new MailroomError(ErrorCodes.SECRET_KEY_MISSING, `no master key: set MAILROOM_SECRET_KEY or restore ${file}`);
    }
  }
  // The key decrypts every stored password: a copy or a restore that left it readable by others
  // is put right here, as the SQLite files are (a file we cannot change stays reported by the
  // setup status, keyFileTooOpen).
  for (const f of [file, next]) ownerOnlyFile(f, (m) => process.emitWarning(m));
  const current = readKeyFile(file);
  const others = existsSync(next) ? [readKeyFile(next)] : [];
  return new Keyring(current, others, { kind: 'file', path: file });
}

/**
 * The key files the data directory holds, read and parsed without changing anything: a start
 * checks them before it opens the store (src/cli), so that a key file it cannot read stops it
 * before the migrations rather than after them. None yet, or MAILROOM_SECRET_KEY set: nothing to check.
 */
export function checkKeyFiles(opts: { envKey?: string; dataDir: string }): void {
  if (opts.envKey) return;
  for (const name of [KEY_FILE, NEXT_KEY_FILE]) {
    const file = path.join(opts.dataDir, name);
    if (existsSync(file)) readKeyFile(file);
  }
}

/** A key file's key; one that cannot be read (another owner, a directory in its place) is said as such. */
function readKeyFile(file: string): MasterKey {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new MailroomError(ErrorCodes.CONFIG, `cannot read the master key file ${file}: ${whyUnreadable(err)}`);
  }
  return parseKey(text, file);
}

/**
 * Writes a new key file whole and links it into place, which fails when the file exists: two
 * processes starting together on a fresh store (`mailroom start` and `mailroom migrate`, or
 * replicas sharing a key file) both use the first one's key, and neither ever reads half a file.
 */
function createKeyFile(file: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, encodeKey(generateMasterKey()) + '\n', { mode: 0o600 });
  try {
    linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(tmp);
  }
}

/** True when group or others can read the key file (reported by setup status). */
export function keyFileTooOpen(file: string): boolean {
  try {
    return (statSync(file).mode & 0o077) !== 0;
  } catch {
    return false;
  }
}

export function writeNextKeyFile(dataDir: string, key: MasterKey): string {
  const next = path.join(dataDir, NEXT_KEY_FILE);
  writeFileSync(next, encodeKey(key) + '\n', { mode: 0o600 });
  chmodSync(next, 0o600);
  return next;
}

export function promoteNextKeyFile(dataDir: string): void {
  renameSync(path.join(dataDir, NEXT_KEY_FILE), path.join(dataDir, KEY_FILE));
}
