import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { unresolved } from '../core/credentials/references.js';
import { isMailroomError } from '../core/kernel/errors.js';
import { withoutTrailingLineEnding } from '../core/kernel/line-ending.js';

const MAX_SECRET_FILE_BYTES = 64 * 1024;

/** env:NAME — read at the moment it is needed, so a changed variable (after a restart) takes effect. */
export function readEnvRef(ref: string, name: string, env: NodeJS.ProcessEnv): string {
  const v = env[name];
  // A line ending the variable took from a secret file is not the password's (as for file:).
  const value = withoutTrailingLineEnding(v ?? '');
  if (value === '') {
    throw unresolved(ref, `environment variable ${name} is not set`, {
      hint: `Set ${name} in Mailroom's environment (the service unit, the container's env or secret) and restart Mailroom: a variable exported in another shell does not reach the running process.`,
    });
  }
  return value;
}

/** What to change when the file cannot be read, by the system's error code. */
function fileHint(code: string | undefined): string {
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'There is no file at this path on the machine (or in the container) Mailroom runs on: check the path and that the secret volume is mounted there.';
  if (code === 'EACCES' || code === 'EPERM') return 'The user Mailroom runs as cannot read the file: give that user read access (e.g. group-readable, or the secret mounted with its uid).';
  return 'Check the path and that the file can be read by the user Mailroom runs as.';
}

/** The kernel's files, by real path: /proc/<pid>/environ is Mailroom's whole environment. */
const SYSTEM_FILES = /^\/(proc|sys)(\/|$)/;

/** True when `real` (a real path: a symlink counts where it points) is one of `paths` or inside one. */
async function inside(real: string, paths: readonly string[]): Promise<boolean> {
  for (const dir of paths) {
    const root = await realpath(dir).catch(() => path.resolve(dir));
    if (real === root || real.startsWith(root + path.sep)) return true;
  }
  return false;
}

/**
 * file:/path — a small regular file (Docker and Kubernetes secrets), read now. Never one of
 * `ownPaths` or inside one (the data directory with the key file and database, the relay's TLS
 * key), whose value would leave for the account's mail server or a token URL.
 */
export async function readFileRef(ref: string, file: string, ownPaths: readonly string[] = []): Promise<string> {
  let info;
  try {
    info = await stat(file);
    // Judged by where the path leads, not how it is written: "/./proc/self/environ" or
    // "/dev/fd/../environ" passed a check of the text and sent the environment to a mail server.
    const real = await realpath(file);
    if (SYSTEM_FILES.test(real)) {
      throw unresolved(ref, "the file is the system's (under /proc or /sys), not a secret: it is never read", { hint: 'Point the reference at the secret file itself, e.g. in /run/secrets.' });
    }
    if (await inside(real, ownPaths)) {
      throw unresolved(ref, "the file is one of Mailroom's own files (in its data directory, with the key file and the database, or the relay's TLS key): it is never read as a secret", { hint: 'Keep SMTP passwords and client secrets outside Mailroom\'s data directory, e.g. in /run/secrets.' });
    }
  } catch (err) {
    if (isMailroomError(err)) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw unresolved(ref, `cannot read the file (${code ?? 'error'})`, { hint: fileHint(code) });
  }
  // A secret is a small regular file: never a device (/dev/zero would be read forever) or a huge file.
  if (!info.isFile() || info.size > MAX_SECRET_FILE_BYTES) {
    throw unresolved(ref, `not a regular file of at most ${MAX_SECRET_FILE_BYTES} bytes`, { hint: 'Point the reference at the secret file itself: only a regular file of at most 64 KiB is read (not a directory, a device or a larger file).' });
  }
  try {
    // Secret files usually end with a newline that is not part of the password.
    return withoutTrailingLineEnding(await readFile(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw unresolved(ref, `cannot read the file (${code ?? 'error'})`, { hint: fileHint(code) });
  }
}
