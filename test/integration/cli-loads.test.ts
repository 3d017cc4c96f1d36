import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_COMMAND, ROOT } from '../helpers/cli.js';

/**
 * What a CLI command loads. `--help` used to load the whole server (~680 modules, a second on a
 * busy 2-core machine) and a one-shot command its HTTP routes and every worker's adapters too;
 * now `--help` loads the command definitions only and a one-shot command the store and the
 * core (src/app-core.ts). Told by the modules Node loads (a module loader hook writes each URL to
 * a file), not by a clock: what is not loaded costs nothing on any machine.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'mailroom-cli-loads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HOOKS = path.join(dir, 'record-loads.mjs');
writeFileSync(
  HOOKS,
  `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(`import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(process.env.MAILROOM_TEST_LOADS_FILE, url + '\\n');
  return next(url, context);
}`)}));
`,
);

async function loadsOf(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; modules: string[]; stderr: string }> {
  const file = path.join(dir, `loads-${args.join('-').replace(/\W+/g, '_')}.txt`);
  writeFileSync(file, '');
  const child = spawn(process.execPath, ['--import', HOOKS, ...CLI_COMMAND, ...args], {
    cwd: ROOT,
    env: { ...process.env, MAILROOM_DATA_DIR: path.join(dir, 'data'), MAILROOM_TEST_LOADS_FILE: file, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.resume();
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, modules: readFileSync(file, 'utf8').split('\n').filter(Boolean), stderr };
}

/** Mailroom's modules under these folders of src/ (from dist/ or, through tsx, the sources). */
const under = (modules: string[], folders: string[]) => modules.filter((m) => new RegExp(`/src/(${folders.join('|')})/`).test(m));
const packages = (modules: string[], names: string[]) => modules.filter((m) => names.some((n) => m.includes(`/node_modules/${n}/`)));

/** What serving and delivering need and a one-shot command does not. */
const SERVING = ['http', 'delivery', 'relay', 'inbound', 'webhooks', 'metrics', 'probes', 'retention'];
const SERVING_PACKAGES = ['fastify', 'nodemailer', 'smtp-server', 'imapflow', 'mailparser', 'prom-client', 'undici'];

describe('what a CLI command loads', () => {
  it('--help loads the command definitions, not the store, the server or any adapter', async () => {
    const help = await loadsOf(['--help']);
    expect(help.code).toBe(0);
    expect(help.modules.some((m) => /\/src\/cli\/main\.(js|ts)$/.test(m))).toBe(true);
    expect(under(help.modules, ['store', 'secrets', 'templates', ...SERVING])).toEqual([]);
    expect(help.modules.filter((m) => /\/src\/app(-core)?\.(js|ts)$/.test(m))).toEqual([]);
    expect(packages(help.modules, ['kysely', 'pg', 'better-sqlite3', 'pino', ...SERVING_PACKAGES])).toEqual([]);
  });

  it('a one-shot command opens the store and the core, not the HTTP routes or the workers', async () => {
    const key = await loadsOf(['--create-store', 'apikey', 'create', '--name', 'loads', '--scopes', 'send']);
    expect(key.stderr).toContain('shown only this once');
    expect(key.code).toBe(0);
    // It did open the store (so the absence below is not that of a command that failed early).
    expect(under(key.modules, ['store']).length).toBeGreaterThan(10);
    expect(under(key.modules, SERVING)).toEqual([]);
    expect(key.modules.filter((m) => /\/src\/app\.(js|ts)$/.test(m))).toEqual([]);
    expect(packages(key.modules, SERVING_PACKAGES)).toEqual([]);
  });
});
