import { constants as fsConstants, type Stats } from 'node:fs';
import { open, readdir, readlink, realpath, stat, type FileHandle } from 'node:fs/promises';
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
const SYSTEM_DIRS = ['/proc', '/sys'];

/**
 * Links are followed (Kubernetes mounts secrets as links): what counts is the file the kernel
 * opened, judged below. Without blocking on a FIFO and without taking a terminal: nothing is
 * read before the handle is judged. (O_NOFOLLOW would not help: it looks at the last step only.)
 */
const OPEN_FLAGS = fsConstants.O_RDONLY | fsConstants.O_NONBLOCK | fsConstants.O_NOCTTY;

/** True when `real` (a real path: a symlink counts where it points) is one of `paths` or inside one. */
async function inside(real: string, paths: readonly string[]): Promise<boolean> {
  for (const dir of paths) {
    const root = await realpath(dir).catch(() => path.resolve(dir));
    if (real === root || real.startsWith(root + path.sep)) return true;
  }
  return false;
}

const sameFile = (a: Stats, b: Stats) => a.dev === b.dev && a.ino === b.ino;

/**
 * True when the open file `info` is one of `paths` or a file in one of them (two levels deep:
 * the data directory's key file, database and relay-tls/), by device and inode: another name
 * for the same file (a hard link, a second mount of the data directory) is the same file.
 */
async function isOneOf(info: Stats, paths: readonly string[]): Promise<boolean> {
  // Mailroom's own files are a handful; the budget bounds a data directory set to a crowded place.
  let budget = 2000;
  const walk = async (p: string, depth: number): Promise<boolean> => {
    if (budget-- <= 0) return false;
    const st = await stat(p).catch(() => null);
    if (!st) return false;
    if (sameFile(st, info)) return true;
    if (!st.isDirectory() || depth === 0) return false;
    for (const e of await readdir(p).catch(() => [] as string[])) if (await walk(path.join(p, e), depth - 1)) return true;
    return false;
  };
  for (const p of paths) if (await walk(p, 2)) return true;
  return false;
}

/**
 * The real path of the file `handle` has open, as the kernel names it (Linux:
 * /proc/self/fd/<fd>), else the real path of `file` provided it still names that same file.
 * Null when neither can be told: the file was swapped while it was being judged.
 */
async function openedRealPath(handle: FileHandle, info: Stats, file: string): Promise<string | null> {
  const byKernel = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => null);
  if (byKernel?.startsWith('/')) return byKernel;
  const real = await realpath(file).catch(() => null);
  const now = real === null ? null : await stat(real).catch(() => null);
  return now && sameFile(now, info) ? real : null;
}

/**
 * Refuses the file `handle` has open (the one that will be read, whatever its name leads to by
 * now) when it is the system's (under /proc or /sys), one of `ownPaths` or inside one, or not a
 * small regular file. Judging the name and then opening it again let a link swapped in between
 * send the master key to the account's mail server.
 */
export async function checkOpenedSecretFile(ref: string, handle: FileHandle, file: string, ownPaths: readonly string[] = []): Promise<void> {
  const info = await handle.stat();
  const real = await openedRealPath(handle, info, file);
  if (real === null) {
    throw unresolved(ref, 'the file changed while it was being opened: it is never read', { hint: 'Point the reference at a file that is not being replaced, e.g. the secret in /run/secrets.' });
  }
  // Judged by where the path leads, not how it is written: "/./proc/self/environ" or
  // "/dev/fd/../environ" passed a check of the text and sent the environment to a mail server.
  if (SYSTEM_FILES.test(real) || (await isOnDeviceOf(info, SYSTEM_DIRS))) {
    throw unresolved(ref, "the file is the system's (under /proc or /sys), not a secret: it is never read", { hint: 'Point the reference at the secret file itself, e.g. in /run/secrets.' });
  }
  if ((await inside(real, ownPaths)) || (await isOneOf(info, ownPaths))) {
    throw unresolved(ref, "the file is one of Mailroom's own files (in its data directory, with the key file and the database, or the relay's TLS key): it is never read as a secret", { hint: 'Keep SMTP passwords and client secrets outside Mailroom\'s data directory, e.g. in /run/secrets.' });
  }
  if (!info.isFile() || info.size > MAX_SECRET_FILE_BYTES) throw notSmallRegularFile(ref);
}

/**
 * True when `info` lives on the file system mounted at one of `dirs` (procfs, sysfs: also where
 * mounted again). A dir that is no mount point (no /proc in a bare chroot) is the root file
 * system's, whose files are not the system's.
 */
async function isOnDeviceOf(info: Stats, dirs: readonly string[]): Promise<boolean> {
  const root = await stat('/').catch(() => null);
  for (const d of dirs) {
    const st = await stat(d).catch(() => null);
    if (st && st.dev !== root?.dev && st.dev === info.dev) return true;
  }
  return false;
}

function notSmallRegularFile(ref: string) {
  // A secret is a small regular file: never a device (/dev/zero would be read forever) or a huge file.
  return unresolved(ref, `not a regular file of at most ${MAX_SECRET_FILE_BYTES} bytes`, { hint: 'Point the reference at the secret file itself: only a regular file of at most 64 KiB is read (not a directory, a device or a larger file).' });
}

/** At most `max` + 1 bytes from the start of the open file: one more than allowed tells it grew. */
async function readAtMost(handle: FileHandle, max: number): Promise<Buffer> {
  const buf = Buffer.alloc(max + 1);
  let total = 0;
  while (total < buf.length) {
    const { bytesRead } = await handle.read(buf, total, buf.length - total, total);
    if (bytesRead === 0) break;
    total += bytesRead;
  }
  return buf.subarray(0, total);
}

/**
 * file:/path — a small regular file (Docker and Kubernetes secrets), read now. Never one of
 * `ownPaths` or inside one (the data directory with the key file and database, the relay's TLS
 * key), whose value would leave for the account's mail server or a token URL. Opened once:
 * the file judged is the file read.
 */
export async function readFileRef(ref: string, file: string, ownPaths: readonly string[] = []): Promise<string> {
  let handle: FileHandle;
  try {
    // Not opened at all when the name leads to no regular file now (a device may act on open);
    // the judgement that counts is the one of the open handle below.
    if (!(await stat(file)).isFile()) throw notSmallRegularFile(ref);
    handle = await open(file, OPEN_FLAGS);
  } catch (err) {
    if (isMailroomError(err)) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw unresolved(ref, `cannot read the file (${code ?? 'error'})`, { hint: fileHint(code) });
  }
  try {
    await checkOpenedSecretFile(ref, handle, file, ownPaths);
    const bytes = await readAtMost(handle, MAX_SECRET_FILE_BYTES);
    if (bytes.length > MAX_SECRET_FILE_BYTES) throw notSmallRegularFile(ref);
    // Secret files usually end with a newline that is not part of the password.
    return withoutTrailingLineEnding(bytes.toString('utf8'));
  } catch (err) {
    if (isMailroomError(err)) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw unresolved(ref, `cannot read the file (${code ?? 'error'})`, { hint: fileHint(code) });
  } finally {
    await handle.close().catch(() => undefined);
  }
}
