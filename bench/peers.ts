import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { freePort, waitForPort } from '../test/helpers/ports.js';

/** Helpers for the benchmark: free ports, Postfix's smtp-sink, peak RSS of a child. */
export { freePort, waitForPort };

export async function startSink(): Promise<{ port: number; child: ChildProcess; stop(): void }> {
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  const child = spawn('/usr/sbin/smtp-sink', [...(asRoot ? ['-u', 'nobody'] : []), '-m', '1000', `127.0.0.1:${port}`, '1000'], { stdio: 'ignore' });
  await waitForPort(port, 15_000);
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

/** CPU time (user + system, all threads) a process has used so far, in ms; undefined off Linux. */
export function cpuMs(pid: number): number | undefined {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
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
