import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKGROUND_NICE_STEPS, oldestThreads } from '../../src/thread-priority.js';
import { ROOT, runCli, startCli, type RunningMailroom } from '../helpers/cli.js';
import { startScriptedPeer, type ScriptedPeer } from '../helpers/scripted-smtp-peer.js';
import { createPostgresDatabase, postgresAvailable } from '../helpers/dialects.js';

const pgReachable = await postgresAvailable();

/** Linux's scheduling policies as /proc shows them (sched.h). */
const SCHED_OTHER = 0;
const SCHED_IDLE = 5;

interface ThreadState {
  nice: number;
  policy: number;
}

/** Each thread's nice and scheduling policy, from /proc (a task's stat: fields 19 and 41, the 17th and 39th after the command name). */
const threadStates = (pid: number | 'self'): Map<number, ThreadState> =>
  new Map(
    readdirSync(`/proc/${pid}/task`).map((tid) => {
      const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
      return [Number(tid), { nice: Number(fields[16]), policy: Number(fields[38]) }];
    }),
  );

const GDB = '/usr/bin/gdb';

/**
 * Each thread's stack, by thread id, as gdb prints it from outside the process: which code a
 * thread runs says whose it is, whatever Node's version starts and in which order.
 */
async function stacksByThread(pid: number): Promise<Map<number, string>> {
  const { stdout } = await promisify(execFile)(GDB, ['-p', String(pid), '-batch', '-nx', '-ex', 'thread apply all bt'], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  const stacks = new Map<number, string>();
  let current: number | undefined;
  for (const line of stdout.split('\n')) {
    const header = /^Thread \d+ \(.*LWP (\d+)\)/.exec(line);
    if (header) stacks.set((current = Number(header[1])), '');
    else if (current !== undefined) stacks.set(current, stacks.get(current) + line + '\n');
  }
  return stacks;
}

/**
 * V8's helper threads (Node's platform: its worker pool and the delayed-task scheduler) and the
 * SMTP thread run BACKGROUND_NICE_STEPS lower, under the normal policy; every other thread keeps
 * the process's priority (src/thread-priority.ts). Never SCHED_IDLE: the main thread waits on
 * the helpers' locks, and an idle helper on a busy machine got no CPU while it did (starts of
 * 22–64 s, docs/operations.md). Linux only: elsewhere there is no /proc and the functions do nothing.
 */
describe.skipIf(process.platform !== 'linux')('thread priorities', () => {
  it("lowerPlatformThreads lowers exactly Node's platform threads (gdb: their stacks) by BACKGROUND_NICE_STEPS, never SCHED_IDLE; libuv's pool and the rest stay at the process's nice; lowerThisThread lowers the caller", async () => {
    if (!existsSync(GDB) && process.env.CI === 'true') throw new Error(`CI=true but ${GDB} is missing: install gdb`);
    const moduleUrl = pathToFileURL(path.join(ROOT, 'src/thread-priority.ts')).href;
    // A process started with `nice -n 3`; it waits on stdin between the steps so that gdb can look at its threads.
    const script = `
      import { readFile } from 'node:fs';
      import { createInterface } from 'node:readline';
      const { lowerPlatformThreads, lowerThisThread } = await import(${JSON.stringify(moduleUrl)});
      // libuv's pool exists (loading the modules read files); one asynchronous read to be sure.
      await new Promise((r) => readFile('/proc/self/stat', r));
      const threads = lowerPlatformThreads();
      console.log(JSON.stringify({ pid: process.pid, threads }));
      const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
      await lines.next();
      console.log(JSON.stringify({ again: lowerThisThread() }));
      await lines.next();`;
    const child = spawn('nice', ['-n', '3', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const out = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
      const first = JSON.parse((await out.next()).value as string) as { pid: number; threads: { lowered: number; unchanged: number } };
      const { pid } = first;
      const states = threadStates(pid);
      const lowered = [...states].filter(([, s]) => s.nice === 3 + BACKGROUND_NICE_STEPS).map(([tid]) => tid);
      // The delayed-task scheduler and V8's four workers (Node's default pool).
      expect(first.threads).toEqual({ lowered: 5, unchanged: 0 });
      expect(lowered).toHaveLength(5);
      // Lower under the normal policy: no thread of the process is SCHED_IDLE (ps: TS, never IDL).
      for (const [tid, s] of states) expect(s.policy, `thread ${tid}`).toBe(SCHED_OTHER);
      expect(states.get(pid)).toEqual({ nice: 3, policy: SCHED_OTHER });
      // Every other thread, libuv's pool among them, as the process was started.
      for (const [tid, s] of states) if (!lowered.includes(tid)) expect(s, `thread ${tid}`).toEqual({ nice: 3, policy: SCHED_OTHER });

      if (!existsSync(GDB)) console.warn(`[mailroom tests] ${GDB} not found: the threads taken for V8's are not checked against their stacks (install gdb)`);
      else {
        const stacks = await stacksByThread(pid);
        const platform = [...stacks].filter(([, bt]) => /PlatformWorkerThread|DelayedTaskScheduler/.test(bt)).map(([tid]) => tid);
        const libuvPool = [...stacks].filter(([, bt]) => /threadpool\.c|uv__threadpool|\bworker \(arg=/.test(bt)).map(([tid]) => tid);
        expect(platform.sort((a, b) => a - b)).toEqual([...lowered].sort((a, b) => a - b));
        expect(libuvPool.length).toBeGreaterThanOrEqual(1);
        for (const tid of libuvPool) expect(states.get(tid), `libuv thread ${tid}`).toEqual({ nice: 3, policy: SCHED_OTHER });
      }

      // lowerThisThread lowers the thread that calls it (here, for the test, the main one).
      child.stdin!.write('\n');
      expect(JSON.parse((await out.next()).value as string)).toEqual({ again: true });
      expect(threadStates(pid).get(pid)).toEqual({ nice: 3 + BACKGROUND_NICE_STEPS, policy: SCHED_OTHER });
      child.stdin!.write('\n');
    } finally {
      child.kill();
    }
  }, 120_000);

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

    it("answers on the main thread at the priority it was started with; V8's helpers and the SMTP thread, started with delivery, run lower, never SCHED_IDLE; the rest as the process", async () => {
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
      const base = threadStates('self').get(process.pid)!.nice;
      const lowered = (states: Map<number, ThreadState>) => [...states].filter(([, s]) => s.nice === base + BACKGROUND_NICE_STEPS).map(([tid]) => tid);
      // V8's helpers: the delayed-task scheduler and V8's four workers, the oldest threads after
      // the main one (checked against their stacks above). The SMTP thread starts with delivery,
      // before any message (Deliverer.prepare), and lowers itself.
      await expect.poll(() => lowered(threadStates(pid)).length, { timeout: 10_000 }).toBe(6);
      const atStart = threadStates(pid);
      const helpers = oldestThreads(pid, [...atStart.keys()], Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8')), 5);
      const smtpThreads = lowered(atStart).filter((tid) => !helpers.includes(tid));
      expect(smtpThreads).toHaveLength(1);
      const smtpThread = smtpThreads[0];
      for (const tid of [...helpers, smtpThread]) expect(atStart.get(tid), `thread ${tid}`).toEqual({ nice: base + BACKGROUND_NICE_STEPS, policy: SCHED_OTHER });
      // No thread is SCHED_IDLE (ps -L -o cls: TS everywhere, never IDL).
      for (const [tid, s] of atStart) expect(s.policy, `thread ${tid}`).not.toBe(SCHED_IDLE);
      expect(atStart.get(pid)).toEqual({ nice: base, policy: SCHED_OTHER });
      const others = [...atStart].filter(([tid]) => tid !== pid && tid !== smtpThread && !helpers.includes(tid));
      // libuv's pool at least (the WAL's fsync before each 202 runs there).
      expect(others.length).toBeGreaterThanOrEqual(4);
      for (const [tid, s] of others) expect(s, `thread ${tid}`).toEqual({ nice: base, policy: SCHED_OTHER });

      // The first delivery goes through that thread: no second one is started for it.
      const res = await fetch(`${running.url}/api/v1/messages`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ to: ['rcpt@example.net'], subject: 'threads', text: 'x' }) });
      expect(res.status).toBe(202);
      await expect.poll(() => peer.messages.length, { timeout: 15_000 }).toBe(1);
      const afterSend = threadStates(pid);
      expect(lowered(afterSend).sort((a, b) => a - b)).toEqual([...helpers, smtpThread].sort((a, b) => a - b));
      expect(afterSend.get(pid)).toEqual({ nice: base, policy: SCHED_OTHER });
    }, 60_000);
  });

  // A worker answers no requests: its compilers keep the process's priority, and it sends on its
  // main thread, so no thread of it runs lower (src/cli/commands/start.ts).
  describe.skipIf(!pgReachable && process.env.CI !== 'true')('mailroom worker', () => {
    it("leaves every thread at the process's priority: V8's helpers, and no SMTP thread (it sends on its main thread)", async () => {
      const db = await createPostgresDatabase();
      const dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-threads-worker-'));
      let worker: RunningMailroom | undefined;
      try {
        const env = { MAILROOM_DATA_DIR: dataDir, DATABASE_URL: db.url };
        expect((await runCli(['migrate'], env)).code).toBe(0);
        worker = await startCli(env, 90_000, 'worker');
        const pid = worker.child.pid!;
        const base = threadStates('self').get(process.pid)!.nice;
        // `mailroom start` has lowered its helpers and its SMTP thread well before it prints that it runs (test above).
        await new Promise((r) => setTimeout(r, 1_000));
        const states = [...threadStates(pid)];
        expect(states.length).toBeGreaterThanOrEqual(6);
        for (const [tid, s] of states) expect(s, `thread ${tid}`).toEqual({ nice: base, policy: SCHED_OTHER });
      } finally {
        await worker?.stop();
        await db.drop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    }, 120_000);
  });
});
