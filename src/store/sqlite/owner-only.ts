import { closeSync, openSync } from 'node:fs';
import { ownerOnlyFile } from '../../owner-only-file.js';

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
  for (const f of [file, `${file}-wal`, `${file}-shm`]) ownerOnlyFile(f, warn);
}
