import { readFile, stat } from 'node:fs/promises';
import { unresolved } from '../core/credentials/references.js';

const MAX_SECRET_FILE_BYTES = 64 * 1024;

/** env:NAME — read at the moment it is needed, so a changed variable (after a restart) takes effect. */
export function readEnvRef(ref: string, name: string, env: NodeJS.ProcessEnv): string {
  const v = env[name];
  if (v === undefined || v === '') {
    throw unresolved(ref, `environment variable ${name} is not set`, {
      hint: `Set ${name} in Mailroom's environment (the service unit, the container's env or secret) and restart Mailroom: a variable exported in another shell does not reach the running process.`,
    });
  }
  return v;
}

/** What to change when the file cannot be read, by the system's error code. */
function fileHint(code: string | undefined): string {
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'There is no file at this path on the machine (or in the container) Mailroom runs on: check the path and that the secret volume is mounted there.';
  if (code === 'EACCES' || code === 'EPERM') return 'The user Mailroom runs as cannot read the file: give that user read access (e.g. group-readable, or the secret mounted with its uid).';
  return 'Check the path and that the file can be read by the user Mailroom runs as.';
}

/** file:/path — a small regular file (Docker and Kubernetes secrets), read now. */
export async function readFileRef(ref: string, file: string): Promise<string> {
  let info;
  try {
    info = await stat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw unresolved(ref, `cannot read the file (${code ?? 'error'})`, { hint: fileHint(code) });
  }
  // A secret is a small regular file: never a device (/dev/zero would be read forever) or a huge file.
  if (!info.isFile() || info.size > MAX_SECRET_FILE_BYTES) {
    throw unresolved(ref, `not a regular file of at most ${MAX_SECRET_FILE_BYTES} bytes`, { hint: 'Point the reference at the secret file itself: only a regular file of at most 64 KiB is read (not a directory, a device or a larger file).' });
  }
  try {
    // Secret files usually end with a newline that is not part of the password.
    return (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw unresolved(ref, `cannot read the file (${code ?? 'error'})`, { hint: fileHint(code) });
  }
}
