import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

/**
 * The CLI's first import lowers V8's tiering budget for the whole process. Checked on a real
 * node process: how many calls a small hot function takes to be optimised, with and without the
 * module imported. Compilation on the main thread (--no-concurrent-recompilation) makes the
 * count exact; %GetOptimizationStatus's bit 16 is "optimised by TurboFan".
 */
const probe = (withTiering: boolean, execArgv: string[] = []) => {
  const script = `
    import v8 from 'node:v8';
    ${withTiering ? `await import(${JSON.stringify(path.join(ROOT, 'src/cli/jit-tiering.ts'))});` : ''}
    v8.setFlagsFromString('--allow-natives-syntax');
    const status = new Function('f', 'return %GetOptimizationStatus(f)');
    function work(a) { let s = 0; for (let i = 0; i < 20; i++) s += (a * i) % 7; return s; }
    let calls = 0;
    while (calls < 5000 && !(status(work) & 16)) work(calls++);
    console.log(calls);`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--no-concurrent-recompilation', ...execArgv, '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  expect(run.stderr).toBe('');
  return Number(run.stdout.trim());
};

describe('V8 tiering budget', () => {
  it('optimises hot code after about a quarter of the calls', () => {
    const byDefault = probe(false);
    const tiered = probe(true);
    expect(byDefault).toBeGreaterThan(50);
    expect(byDefault).toBeLessThan(5000);
    expect(tiered).toBeLessThan(byDefault / 2.5);
  });

  it('leaves a budget given on the command line alone', () => {
    const byDefault = probe(false);
    expect(probe(true, ['--interrupt-budget=67584'])).toBe(byDefault);
    expect(probe(true, ['--interrupt_budget=67584'])).toBe(byDefault);
  });
});
