import { spawn } from 'node:child_process';
import { once } from 'node:events';

/**
 * Another process that keeps replacing `file` (each time atomically, by rename) with a regular
 * file holding `content`, then with a symbolic link to `target`, as fast as it can: a reader that
 * judges the name and then opens it again sees the file at one moment and the link at the next.
 * It stops by itself after `maxMs` should the test not stop it (by its PID) first.
 */
export interface FileSwapper {
  pid: number;
  /** Swaps done so far are not counted; resolves once the process has exited. */
  stop(): Promise<void>;
}

const SCRIPT = `
const fs = require('node:fs');
const [file, content, target, maxMs] = process.argv.slice(1);
const end = Date.now() + Number(maxMs);
const asFile = file + '.swap-file';
const asLink = file + '.swap-link';
process.stdout.write('ready\\n');
while (Date.now() < end) {
  fs.writeFileSync(asFile, content);
  fs.renameSync(asFile, file);
  fs.rmSync(asLink, { force: true });
  fs.symlinkSync(target, asLink);
  fs.renameSync(asLink, file);
}
`;

export async function startFileSwapper(file: string, content: string, target: string, maxMs = 60_000): Promise<FileSwapper> {
  const child = spawn(process.execPath, ['-e', SCRIPT, file, content, target, String(maxMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  // Started once it said so: the first swaps are under way when the test begins to read.
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the file swapper exited early (${code})`)));
  });
  return {
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
      await exited;
    },
  };
}
