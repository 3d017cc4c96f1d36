import { chmodSync, closeSync, openSync, statSync } from 'node:fs';

/**
 * Makes an SQLite database file and the files SQLite keeps beside it (`-wal`, `-shm`) readable
 * by their owner only (0600): they hold the email log and the encrypted secrets. SQLite creates
 * a database 0644 (less the umask) and gives its -wal and -shm the database's mode, so the
 * database is created here first, 0600, before SQLite opens it; the files a store from before
 * left 0644 are put right. A file whose mode cannot be changed (another owner) is reported to
 * `warn`, and the store opens as it is.
 */
export function ownerOnlySqliteFiles(file: string, warn: (message: string) => void): void {
  // 'a' creates a missing file and never truncates one.
  closeSync(openSync(file, 'a', 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      if ((statSync(f).mode & 0o077) !== 0) chmodSync(f, 0o600);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') warn(`${f} stays readable by other users: its mode could not be set to 0600 (${code ?? (err as Error).message})`);
    }
  }
}
