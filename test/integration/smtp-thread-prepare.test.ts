import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

/**
 * SmtpThread.prepare starts the SMTP thread ahead of the first send (what `mailroom start` and
 * `mailroom worker` do when delivery starts), and that idle thread must not keep a process
 * alive: a process that prepared delivery and has nothing else to do exits by itself, as it did
 * when the thread only started with the first message.
 */
describe.skipIf(process.platform !== 'linux')('the SMTP thread started ahead of the first message', () => {
  it('is running before any send and does not keep an otherwise finished process alive', async () => {
    const script = `
      import { readdirSync } from 'node:fs';
      import { SmtpThread } from './src/delivery/smtp/thread.ts';
      const threads = () => readdirSync('/proc/self/task').length;
      const before = threads();
      const quiet = () => undefined;
      const logger = { warn: quiet, info: quiet, error: quiet, debug: quiet, child: () => logger };
      const thread = new SmtpThread({ password: async () => undefined, dkim: async () => undefined, logger });
      thread.prepare();
      // Linux lists a worker's thread under the process as soon as it exists.
      const started = Date.now();
      while (threads() <= before && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 20));
      console.log(JSON.stringify({ before, after: threads() }));
      // Nothing keeps the event loop busy from here on: the process must end by itself.
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = await new Promise<number | null | 'hung'>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve('hung');
      }, 45_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    expect(exited, err).toBe(0);
    const { before, after } = JSON.parse(out.trim().split('\n').pop() as string) as { before: number; after: number };
    expect(after).toBeGreaterThan(before);
  }, 60_000);
});
