import Database from 'better-sqlite3';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { ErrorCodes, MailroomError } from '../../core/kernel/errors.js';
import { ensureDirectory } from '../../ensure-directory.js';
import { ownerOnlySqliteFiles } from './owner-only.js';

/** The file whose lock says a Mailroom process serves this data directory (never the store itself: its locks come and go with each transaction). */
export const LOCK_FILE = 'mailroom.lock';
/**
 * Who holds it, for the message a second start gets. Only a label: the lock is SQLite's lock on
 * LOCK_FILE, never this file, so a holder file left by a killed process blocks nothing (it is
 * read only while another process holds the lock, and that process rewrote it when it took it).
 */
const HOLDER_FILE = 'mailroom.lock.json';
/** The lock connections held: referenced here so that no garbage collection closes one (and lets go of its lock). */
const held = new Set<Database.Database>();

interface Holder {
  pid: number;
  host: string;
  startedAt: string;
}

/**
 * Claims a SQLite data directory for this process, for as long as it runs. SQLite belongs to one
 * process: a second `mailroom start` on the same directory would deliver from the same outbox and
 * answer its accepts with SQLITE_BUSY now and then. The lock is SQLite's own exclusive lock on a
 * small file of its own (an fcntl lock: the operating system drops it when the process ends,
 * kill -9 included, so a crash never leaves a directory locked, and no PID is guessed stale).
 * Another connection of this same process is refused too (SQLite tracks its own locks per file),
 * so only the release lets the same directory be claimed again in-process.
 * Short commands beside a running server (user, apikey, send) do not take it: they are what an
 * admin runs while it serves, and WAL lets them in.
 * Taken before the store is opened, so a refused process has touched nothing in it.
 * Returns the release; throws MAILROOM_E_DATA_DIR_IN_USE naming the holder when another has it
 * (`doing`: what the operator should do instead).
 */
export function lockDataDir(dataDir: string, doing: string): () => void {
  ensureDirectory(dataDir, 'data directory');
  const file = path.join(dataDir, LOCK_FILE);
  let lock: Database.Database;
  try {
    ownerOnlySqliteFiles(file, (m) => process.emitWarning(m));
    lock = new Database(file, { timeout: 0 });
  } catch (err) {
    throw new MailroomError(ErrorCodes.CONFIG, `cannot use ${dataDir} as the data directory: ${file} cannot be opened (${(err as Error).message})`);
  }
  try {
    // An exclusive transaction left open: held until this connection closes. The journal in
    // memory: nothing is ever written, and no journal file sits beside the lock. Either statement
    // answers SQLITE_BUSY while another process holds it (no waiting: timeout 0).
    lock.pragma('journal_mode = MEMORY');
    lock.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    lock.close();
    if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err;
    const holder = readHolder(dataDir);
    throw new MailroomError(ErrorCodes.DATA_DIR_IN_USE, `${dataDir} is in use by another Mailroom process (${describe(holder)}); ${doing}`, { dataDir, holder });
  }
  writeHolder(dataDir, { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() });
  held.add(lock);
  return () => {
    if (!held.delete(lock)) return;
    lock.close();
  };
}

/** Written whole and renamed into place: a refused process never reads half of it. */
function writeHolder(dataDir: string, holder: Holder): void {
  const tmp = path.join(dataDir, `${HOLDER_FILE}.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify(holder) + '\n', { mode: 0o600 });
  renameSync(tmp, path.join(dataDir, HOLDER_FILE));
}

function readHolder(dataDir: string): Holder | null {
  try {
    const h = JSON.parse(readFileSync(path.join(dataDir, HOLDER_FILE), 'utf8')) as Partial<Holder>;
    return typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.startedAt === 'string' ? (h as Holder) : null;
  } catch {
    return null;
  }
}

const describe = (h: Holder | null) => (h ? `PID ${h.pid} on ${h.host}, started ${h.startedAt}` : 'its PID is not recorded');
