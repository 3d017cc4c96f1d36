import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKGROUND_NICE_STEPS } from '../../src/thread-priority.js';
import { ROOT, runCli, startCli, type RunningMailroom } from '../helpers/cli.js';
import { startScriptedPeer, type ScriptedPeer } from '../helpers/scripted-smtp-peer.js';

/** Each thread's nice value, read from /proc (field 19 of a task's stat, the 17th after the command name). */
const niceByThread = (pid: number | 'self'): Map<number, number> =>
  new Map(readdirSync(`/proc/${pid}/task`).map((tid) => [Number(tid), Number(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ')[16])]));

/**
 * The thread that answers requests keeps the process's priority; V8's compiler and GC helpers,
 * libuv's pool and the SMTP thread run BACKGROUND_NICE_STEPS lower (src/thread-priority.ts).
 * Linux only: elsewhere there is no /proc and the functions do nothing.
 */
describe.skipIf(process.platform !== 'linux')('thread priorities', () => {
  it('lowerOtherThreads lowers every thread but the main one, relative to the nice the process runs at; lowerThisThread the caller', async () => {
    const moduleUrl = pathToFileURL(path.join(ROOT, 'src/thread-priority.ts')).href;
    // A process started with `nice -n 3`: its threads go to 8, never back up to 5.
    const script = `
      import { readdirSync, readFileSync } from 'node:fs';
      const { lowerOtherThreads, lowerThisThread } = await import(${JSON.stringify(moduleUrl)});
      const nice = () => Object.fromEntries(readdirSync('/proc/self/task').map((t) => [t, Number(readFileSync('/proc/self/task/' + t + '/stat', 'utf8').split(') ')[1].split(' ')[16])]));
      const before = nice();
      const lowered = lowerOtherThreads();
      const after = nice();
      const again = lowerThisThread();
      console.log(JSON.stringify({ pid: process.pid, before, lowered, after, main: nice()[process.pid], again }));`;
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn('nice', ['-n', '3', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      child.stdout.on('data', (d) => (text += d));
      child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`exit ${code}: ${text}`))));
    });
    const r = JSON.parse(out) as { pid: number; before: Record<string, number>; lowered: number; after: Record<string, number>; main: number; again: boolean };
    expect(Object.values(r.before).every((n) => n === 3)).toBe(true);
    const others = Object.keys(r.after).filter((tid) => Number(tid) !== r.pid);
    // Node's own: V8's platform workers and libuv's pool, at least.
    expect(others.length).toBeGreaterThanOrEqual(4);
    expect(r.lowered).toBe(others.length);
    expect(others.map((tid) => r.after[tid])).toEqual(others.map(() => 3 + BACKGROUND_NICE_STEPS));
    expect(r.after[r.pid]).toBe(3);
    // lowerThisThread lowers the thread that calls it (here, for the test, the main one).
    expect([r.again, r.main]).toEqual([true, 3 + BACKGROUND_NICE_STEPS]);
  });

  describe('mailroom start', () => {
    let peer: ScriptedPeer;
    let running: RunningMailroom | undefined;
    let dataDir: string;
    beforeAll(async () => {
      peer = await startScriptedPeer();
      dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-threads-'));
    });
    afterAll(async () => {
      await running?.stop();
      await peer?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('answers on the main thread at the priority it was started with; its background threads and the SMTP thread, started later, run lower', async () => {
      const env = {
        MAILROOM_DATA_DIR: dataDir,
        MAILROOM_SMTP_HOST: '127.0.0.1',
        MAILROOM_SMTP_PORT: String(peer.port),
        MAILROOM_SMTP_SECURITY: 'none',
        MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com',
        MAILROOM_MAIL_FROM_NAME: 'App',
      };
      const key = (await runCli(['--create-store', 'apikey', 'create', '--name', 'threads', '--scopes', 'send,read'], env)).stdout.trim();
      running = await startCli(env);
      const pid = running.child.pid!;
      const base = niceByThread('self').get(process.pid)!;
      const atStart = niceByThread(pid);
      expect(atStart.get(pid)).toBe(base);
      const loweredAtStart = [...atStart].filter(([, n]) => n === base + BACKGROUND_NICE_STEPS).map(([tid]) => tid);
      expect(loweredAtStart.length).toBeGreaterThanOrEqual(4);

      // The SMTP thread starts with the first delivery, and lowers itself.
      const res = await fetch(`${running.url}/api/v1/messages`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ to: ['rcpt@example.net'], subject: 'threads', text: 'x' }) });
      expect(res.status).toBe(202);
      await expect.poll(() => peer.messages.length, { timeout: 15_000 }).toBe(1);
      const afterSend = niceByThread(pid);
      const bornLowered = [...afterSend].filter(([tid, n]) => !atStart.has(tid) && n === base + BACKGROUND_NICE_STEPS);
      expect(bornLowered.length).toBeGreaterThanOrEqual(1);
      expect(afterSend.get(pid)).toBe(base);
    }, 60_000);
  });
});
