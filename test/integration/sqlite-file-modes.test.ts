import Database from 'better-sqlite3';
import { chmodSync, existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrator.js';
import { lockDataDir } from '../../src/store/sqlite/data-dir-lock.js';
import { tempDirs } from '../helpers/temp-dirs.js';

/**
 * The SQLite files hold the email log and the encrypted secrets: only their owner may read them,
 * whatever the umask and the data directory's mode (a directory given as MAILROOM_DATA_DIR may
 * be 0755). A new store is created 0600 (the database, its -wal and -shm); a store from before,
 * whose files are 0644, is put right when it is opened.
 */
const dataDir = tempDirs('mailroom-modes-');
const modeOf = (file: string) => (statSync(file).mode & 0o777).toString(8);
const FILES = ['mailroom.db', 'mailroom.db-wal', 'mailroom.db-shm'];

/** Opens the store as `mailroom start` does, writes (so the WAL exists), and gives the files' modes while it is open. */
async function modesWhileOpen(dir: string): Promise<Record<string, string>> {
  const store = openDatabase({ dataDir: dir });
  try {
    await migrateToLatest(store.db, store.describe);
    return Object.fromEntries(FILES.map((f) => [f, modeOf(path.join(dir, f))]));
  } finally {
    await store.close();
  }
}

describe('SQLite file modes', () => {
  it('creates the database, its -wal and -shm files 0600', async () => {
    const dir = dataDir();
    chmodSync(dir, 0o755);
    expect(await modesWhileOpen(dir)).toEqual({ 'mailroom.db': '600', 'mailroom.db-wal': '600', 'mailroom.db-shm': '600' });
  });

  it('makes the files of a store created before 0600 when it opens it', async () => {
    const dir = dataDir();
    const file = path.join(dir, 'mailroom.db');
    // As an earlier Mailroom left them: 0644, with a -wal and -shm beside the database (a
    // process that ended without its last checkpoint leaves them).
    const before = new Database(file);
    before.pragma('journal_mode = WAL');
    before.exec('create table t (x)');
    before.close();
    for (const f of FILES) {
      if (!existsSync(path.join(dir, f))) writeFileSync(path.join(dir, f), '');
      chmodSync(path.join(dir, f), 0o644);
    }
    expect(await modesWhileOpen(dir)).toEqual({ 'mailroom.db': '600', 'mailroom.db-wal': '600', 'mailroom.db-shm': '600' });
  });

  it('creates the data directory lock 0600 too', () => {
    const dir = dataDir();
    const release = lockDataDir(dir, 'stop it first');
    try {
      expect(modeOf(path.join(dir, 'mailroom.lock'))).toBe('600');
    } finally {
      release();
    }
  });
});
