import { chmodSync, statSync } from 'node:fs';

/**
 * Makes a file that holds a secret (the SQLite store, the master key, the relay's private key) readable by its
 * owner only (0600) when an earlier start, a copy or a restore left it readable by others. A
 * missing file is nothing to do; a file whose mode cannot be changed (another owner, a read-only
 * file system) is named to `warn`, and the caller goes on with it as it is.
 */
export function ownerOnlyFile(file: string, warn: (message: string) => void): void {
  try {
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') warn(`${file} stays readable by other users: its mode could not be set to 0600 (${code ?? (err as Error).message})`);
  }
}
