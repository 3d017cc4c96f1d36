import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';

/** Helpers for the benchmark: free ports, Postfix's smtp-sink, peak RSS of a child. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** smtp-sink accepting everything (no dump files: the sink must not be the bottleneck). */
export async function startSink(): Promise<{ port: number; child: ChildProcess; stop(): void }> {
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  const child = spawn('/usr/sbin/smtp-sink', [...(asRoot ? ['-u', 'nobody'] : []), '-m', '1000', `127.0.0.1:${port}`, '1000'], { stdio: 'ignore' });
  await waitForPort(port);
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
