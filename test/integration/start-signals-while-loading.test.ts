import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_COMMAND, ROOT } from '../helpers/cli.js';

/**
 * docs/operations.md: SIGTERM and SIGINT are handled from the moment Mailroom's code runs. The
 * handlers were installed inside `start`, after main.ts had loaded every module of the CLI
 * (static imports, all loaded before its first line): a signal in that time ended the process
 * with 143. The load of commander is held here (a module loader hook), so that the signal
 * arrives while the CLI loads, however fast the machine.
 */
describe('a stop signal while the CLI still loads', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mailroom-signal-loading-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function signalWhileLoading(command: string, signal: NodeJS.Signals, name: string) {
    const marker = path.join(dir, `${name}.held`);
    const child = spawn(process.execPath, ['--import', path.join(ROOT, 'test/helpers/hold-commander-load.mjs'), ...CLI_COMMAND, command], {
      cwd: ROOT,
      env: { ...process.env, HOLD_MARKER_FILE: marker, MAILROOM_DATA_DIR: path.join(dir, name), MAILROOM_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, sig) => r({ code, signal: sig })));
    await expect.poll(() => existsSync(marker), { timeout: 30_000, interval: 20 }).toBe(true);
    child.kill(signal);
    return { ...(await ended), out: () => out };
  }

  it('start: SIGTERM ends it with 0 and says nothing was started', async () => {
    const r = await signalWhileLoading('start', 'SIGTERM', 'start');
    expect({ code: r.code, signal: r.signal }, r.out()).toEqual({ code: 0, signal: null });
    expect(r.out()).toContain('mailroom: stopping: nothing was started yet (SIGTERM)');
    expect(existsSync(path.join(dir, 'start'))).toBe(false);
  });

  it('worker: SIGINT ends it with 0 as well', async () => {
    const r = await signalWhileLoading('worker', 'SIGINT', 'worker');
    expect({ code: r.code, signal: r.signal }, r.out()).toEqual({ code: 0, signal: null });
    expect(r.out()).toContain('mailroom: stopping: nothing was started yet (SIGINT)');
  });

  it('a one-shot command keeps the signal its usual effect', async () => {
    const r = await signalWhileLoading('migrate', 'SIGTERM', 'migrate');
    expect(r.signal).toBe('SIGTERM');
  });
});
