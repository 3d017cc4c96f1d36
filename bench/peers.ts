import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { freePort, waitForPort } from '../test/helpers/ports.js';

/** Helpers for the benchmark: free ports, Postfix's smtp-sink, peak RSS of a child. */
export { freePort, waitForPort };

/** A `--name value` option of the bench's command line, or `dflt`. */
export function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}

/** `--name N` as a whole number ≥ 0; anything else stops the bench with a message saying so. */
export function countArg(name: string, dflt: number): number {
  const raw = arg(name, String(dflt));
  if (!/^\d+$/.test(raw)) throw new Error(`--${name} must be a whole number ≥ 0, got "${raw}"`);
  return Number(raw);
}

/** smtp-sink on `address` (a loopback address; direct delivery's exchangers share one port on several). */
export async function startSink(at: { address?: string; port?: number } = {}): Promise<{ port: number; child: ChildProcess; stop(): void }> {
  const port = at.port ?? (await freePort());
  const address = at.address ?? '127.0.0.1';
  const asRoot = process.getuid?.() === 0;
  const child = spawn('/usr/sbin/smtp-sink', [...(asRoot ? ['-u', 'nobody'] : []), '-m', '1000', `${address}:${port}`, '1000'], { stdio: 'ignore' });
  await waitForPort(port, 15_000, address);
  return { port, child, stop: () => child.kill('SIGTERM') };
}

/** Peak resident set size of a process (VmHWM), in MiB; undefined off Linux. */
export function peakRssMiB(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU ms in a /proc stat file (a process's or a thread's): user + system, plus the children it
 * has reaped (cutime + cstime) when asked. Fields are counted after the command name, which
 * may itself hold spaces and parentheses; the clock tick is 100 Hz on Linux. Throws when the
 * file is gone (the process or thread ended): callers decide what that means.
 */
export function statCpuMs(statPath: string, withChildren = false): number {
  const stat = readFileSync(statPath, 'utf8');
  const f = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  const ticks = Number(f[11]) + Number(f[12]) + (withChildren ? Number(f[13]) + Number(f[14]) : 0);
  return (ticks * 1000) / 100;
}

/** CPU time (user + system, all threads) a process has used so far, in ms; undefined off Linux. */
export function cpuMs(pid: number): number | undefined {
  try {
    return statCpuMs(`/proc/${pid}/stat`);
  } catch {
    return undefined;
  }
}

/**
 * The machine's CPU time so far, in ms summed over all cores: `busy` (user, nice, system, irq,
 * softirq), `idle` (idle and iowait) and `steal`, the time the hypervisor gave this VM's
 * virtual CPUs to someone else; undefined off Linux. On a shared VM steal is what makes one run
 * half as fast as the next with the same CPU per message.
 */
export function machineCpuMs(): { busy: number; idle: number; steal: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    const ms = (ticks: number) => (ticks * 1000) / 100;
    return { busy: ms(user + nice + system + irq + softirq), idle: ms(idle + iowait), steal: ms(steal) };
  } catch {
    return undefined;
  }
}

/** Of the machine's CPU time between two readings of machineCpuMs(): the share stolen and the share idle, e.g. "steal 12%, idle 3%". */
export function stealLine(a: ReturnType<typeof machineCpuMs>, b: ReturnType<typeof machineCpuMs>): string {
  if (!a || !b) return 'steal n/a';
  const [busy, idle, steal] = [b.busy - a.busy, b.idle - a.idle, b.steal - a.steal];
  const all = busy + idle + steal || 1;
  return `steal ${Math.round((steal / all) * 100)}%, idle ${Math.round((idle / all) * 100)}% of the machine's CPU`;
}

/**
 * CPU time (user + system) used so far by every process of a user (default: postgres), in ms;
 * undefined off Linux or when there is no such user. Each process adds its children's time
 * (cutime + cstime) too: the postmaster reaps its backends, so a backend that ended between
 * two readings still counts. `only` narrows it to processes whose command line holds that text
 * (a PostgreSQL backend's title names its database), e.g. to split one database's backends off
 * from everything else the server does for other users of a shared machine.
 */
export function userCpuMs(user = 'postgres', only?: string): number | undefined {
  let uid: number | undefined;
  try {
    const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${user}:`));
    uid = line === undefined ? undefined : Number(line.split(':')[2]);
  } catch {
    return undefined;
  }
  if (uid === undefined) return undefined;
  let total = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (statSync(`/proc/${pid}`).uid !== uid) continue;
      if (only !== undefined && !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(only)) continue;
      total += statCpuMs(`/proc/${pid}/stat`, true);
    } catch {
      // the process ended between the listing and the read
    }
  }
  return total;
}

/**
 * CPU time per thread of a process, in ms, keyed "main" (the thread whose id is the pid) or
 * "thread <tid>": Node 20 leaves every thread named "node", so the ids are what tells the
 * SMTP worker thread, V8's platform threads and libuv's pool apart (in creation order).
 */
export function threadCpuMs(pid: number): Map<string, number> {
  const byThread = new Map<string, number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        byThread.set(Number(tid) === pid ? 'main' : `thread ${tid}`, statCpuMs(`/proc/${pid}/task/${tid}/stat`));
      } catch {
        // the thread ended between the listing and the read
      }
    }
  } catch {
    // not Linux, or the process is gone
  }
  return byThread;
}

/** The difference of two threadCpuMs readings in ms per message, largest first, as one line. */
export function threadCpuLine(before: Map<string, number>, after: Map<string, number>, messages: number): string {
  return [...after]
    .map(([name, ms]) => [name, (ms - (before.get(name) ?? 0)) / messages] as const)
    .filter(([, perMsg]) => perMsg >= 0.01)
    .sort((a, b) => b[1] - a[1])
    .map(([name, perMsg]) => `${name} ${perMsg.toFixed(2)}`)
    .join(', ');
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** ~2 KB of plain text, different per message. */
export function body(i: number): string {
  const line = 'Your weekly report is ready. Nothing needs your attention this week; all checks passed. ';
  return `Message ${i}\n\n${line.repeat(22)}`;
}
