import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ErrorCodes, MailroomError } from './core/kernel/errors.js';

/**
 * Creates a directory and whichever of its parents are missing, each with mode 0700, or
 * refuses with MAILROOM_E_CONFIG naming the directory, its purpose and the reason. Not
 * `mkdirSync(…, { recursive: true })`: on Node 20 that loops forever at full CPU when the file
 * system answers ENOENT for a directory whose parent exists (procfs, sysfs:
 * `MAILROOM_DATA_DIR=/proc/mailroom` hung `mailroom start`), and it reports a file in the way
 * as a bare EEXIST.
 */
export function ensureDirectory(dir: string, purpose: string): void {
  const refuse = (why: string) => new MailroomError(ErrorCodes.CONFIG, `cannot use ${dir} as the ${purpose}: ${why}`);
  const missing: string[] = [];
  for (let at = path.resolve(dir); ; ) {
    const kind = kindOf(at);
    if (kind === 'directory') break;
    if (kind !== 'missing') throw refuse(at === path.resolve(dir) ? `it is ${kind}` : `${at} is ${kind}`);
    missing.push(at);
    const parent = path.dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const at of missing.reverse()) {
    try {
      mkdirSync(at, { mode: 0o700 });
    } catch (err) {
      // Another process creating it at the same moment is fine.
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && kindOf(at) === 'directory') continue;
      throw refuse(`could not create ${at} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
}

function kindOf(at: string): 'directory' | 'missing' | string {
  try {
    return statSync(at).isDirectory() ? 'directory' : 'a file, not a directory';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // ENOTDIR: a file further up; the walk up names it.
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    return `not readable (${code ?? (err as Error).message})`;
  }
}
