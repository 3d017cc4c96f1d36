import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * How a test runs `mailroom`: the built CLI (dist/, what `npm start` and users run) when every
 * source file has its compiled file, written after the source's last edit; otherwise the
 * sources through tsx. A process from dist starts on about half the CPU (tsx resolves and
 * transforms every module at each start), and the suite starts ~100 of them; a source edited
 * since the last `npm run build` is still what the test runs.
 */
export const CLI_COMMAND: readonly string[] = builtIsCurrent() ? [path.join(ROOT, 'dist/src/cli/main.js')] : ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts')];

function builtIsCurrent(): boolean {
  const walk = (dir: string): boolean =>
    readdirSync(dir, { withFileTypes: true }).every((e) => {
      const source = path.join(dir, e.name);
      if (e.isDirectory()) return walk(source);
      if (!e.name.endsWith('.ts')) return true;
      const built = path.join(ROOT, 'dist', path.relative(ROOT, source).replace(/\.ts$/, '.js'));
      try {
        return statSync(built).mtimeMs >= statSync(source).mtimeMs;
      } catch {
        return false;
      }
    });
  return walk(path.join(ROOT, 'src'));
}

/** Runs one `mailroom …` command and returns its exit code and output; `input` is piped to its stdin. */
export function runCli(args: string[], env: Record<string, string>, input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI_COMMAND, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: 'pipe' });
    // Without input, standard input is at its end at once (as /dev/null would be).
    child.stdin.end(input ?? '');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface RunningMailroom {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `mailroom start` on a free port and resolves once it prints its URL; or `mailroom
 * worker`, resolved once its workers run (its `url` is empty: it serves no HTTP). `args` follow
 * the command (e.g. `--no-workers`). Generous timeout: from the sources a start compiles them
 * (tsx), which takes long on a busy machine.
 */
export function startCli(env: Record<string, string>, timeoutMs = 90_000, command: 'start' | 'worker' = 'start', args: string[] = []): Promise<RunningMailroom> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI_COMMAND, command, ...args], {
      cwd: ROOT,
      env: { ...process.env, MAILROOM_PORT: '0', MAILROOM_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mailroom did not start in ${timeoutMs} ms:\n${out}\n${err}`));
    }, timeoutMs);
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const m = command === 'start' ? /Mailroom is running: (http:\/\/\S+?)\/?\n/.exec(out) : /Mailroom worker running .*\n/.exec(out) && ['', ''];
      if (m) {
        clearTimeout(timer);
        resolve({
          child,
          url: m[1],
          stdout: () => out,
          stop: (signal = 'SIGTERM') =>
            new Promise((res) => {
              if (child.exitCode !== null || child.signalCode !== null) return res();
              child.once('exit', () => res());
              child.kill(signal);
            }),
        });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`mailroom exited with ${code} before it was ready:\n${out}\n${err}`));
    });
  });
}
