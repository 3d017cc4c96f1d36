import { readFile, stat } from 'node:fs/promises';
import { unresolved } from '../core/credentials/references.js';

const MAX_SECRET_FILE_BYTES = 64 * 1024;

/** env:NAME — read at the moment it is needed, so a changed variable (after a restart) takes effect. */
export function readEnvRef(ref: string, name: string, env: NodeJS.ProcessEnv): string {
  const v = env[name];
  if (v === undefined || v === '') throw unresolved(ref, `environment variable ${name} is not set`);
  return v;
}

/** file:/path — a small regular file (Docker and Kubernetes secrets), read now. */
export async function readFileRef(ref: string, file: string): Promise<string> {
  let info;
  try {
    info = await stat(file);
  } catch (err) {
    throw unresolved(ref, `cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  // A secret is a small regular file: never a device (/dev/zero would be read forever) or a huge file.
  if (!info.isFile() || info.size > MAX_SECRET_FILE_BYTES) throw unresolved(ref, `not a regular file of at most ${MAX_SECRET_FILE_BYTES} bytes`);
  try {
    // Secret files usually end with a newline that is not part of the password.
    return (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
  } catch (err) {
    throw unresolved(ref, `cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
