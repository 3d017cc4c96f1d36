import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMailroom, type Live } from '../e2e/harness.js';
import { buildSdkFrom, type SdkBuild } from '../helpers/sdk-build.js';

/**
 * examples/ as a newcomer first runs them: against a Mailroom on the log driver (what the README
 * suggests for a first try), where every message ends `logged`. Each example stops at once at
 * any final status: `logged` is a success that says nothing was sent (exit 0), and a message
 * that can no longer be sent (here `suppressed`: the recipient is on the suppression list) is
 * a failure (exit 1) without waiting out the 60 s meant for a message still on its way.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const example = (p: string) => path.join(root, 'examples', p);
/** Far less than the examples' 60 s of waiting: a logged or suppressed message is final within a second or two. */
const QUICK_MS = 30_000;

interface Outcome {
  code: number | null;
  killed: boolean;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end and returns how it ended (execFile rejects on a non-zero exit). */
function runToEnd(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: QUICK_MS }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: number | string; killed?: boolean }) | null;
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, killed: Boolean(e?.killed), stdout, stderr });
    });
  });
}

async function have(cmd: string, args: string[]): Promise<boolean> {
  const { code } = await runToEnd(cmd, args, process.env);
  if (code === 0) return true;
  if (process.env.CI === 'true') throw new Error(`CI=true but \`${cmd} ${args.join(' ')}\` fails: install it`);
  console.warn(`[mailroom tests] \`${cmd} ${args.join(' ')}\` fails: that example is SKIPPED`);
  return false;
}

const pythonOk = await have('python3', ['-c', 'import requests']);
const curlOk = (await have('curl', ['--version'])) && (await have('jq', ['--version']));

describe('the examples against a Mailroom on the log driver', () => {
  let live: Live;
  let build: SdkBuild;
  let env: NodeJS.ProcessEnv;
  const SUPPRESSED = 'gone@example.net';

  beforeAll(async () => {
    live = await startMailroom('sqlite', { env: { MAILROOM_MAIL_DRIVER: 'log' } });
    // What an application would have: a key that sends and reads, nothing more.
    const key = await live.t.request({ method: 'POST', url: '/api/v1/api-keys', payload: { name: 'examples', scopes: ['send', 'read'] } });
    expect(key.statusCode).toBe(201);
    const suppressed = await live.t.request({ method: 'POST', url: '/api/v1/suppressions', payload: { address: SUPPRESSED, detail: 'left the company' } });
    expect(suppressed.statusCode).toBe(201);
    env = { ...process.env, MAILROOM_URL: live.baseUrl, MAILROOM_API_KEY: key.json().key, MAIL_TO: 'oncall@example.net' };
    build = await buildSdkFrom(await (await fetch(`${live.baseUrl}/docs/json`)).json());
    expect(build.problems).toBe('');
  }, 180_000);
  afterAll(async () => {
    await live?.close();
    build?.remove();
  });

  const expectLogged = async (o: Outcome) => {
    const shown = `exit ${o.code}${o.killed ? ' (killed: still waiting)' : ''}\n${o.stdout}\n${o.stderr}`;
    expect(o.code, shown).toBe(0);
    const id = /^accepted (msg_\w+) queued$/m.exec(o.stdout)?.[1];
    expect(id, shown).toBeTruthy();
    expect(o.stdout, shown).toMatch(/^status logged$/m);
    expect(o.stdout).toMatch(/^logged, not sent: Mailroom runs with the log driver/m);
    // The rest of the program ran: the list and the refusal.
    expect(Number(/^listed (\d+)$/m.exec(o.stdout)?.[1])).toBeGreaterThanOrEqual(1);
    expect(o.stdout).toMatch(/^refused MAILROOM_E_UNKNOWN_PURPOSE 422/m);
    const m = (await live.t.request({ method: 'GET', url: `/api/v1/messages/${id}` })).json();
    expect(m).toMatchObject({ status: 'logged', subject: 'Disk almost full', purpose: 'alert' });
  };
  const expectSuppressed = (o: Outcome) => {
    const shown = `exit ${o.code}${o.killed ? ' (killed: still waiting)' : ''}\n${o.stdout}\n${o.stderr}`;
    expect(o.killed, shown).toBe(false);
    expect(o.code, shown).toBe(1);
    expect(o.stdout, shown).toMatch(/^accepted msg_\w+ suppressed$/m);
    expect(o.stdout, shown).toMatch(/^status suppressed$/m);
    // A failure stops the program: nothing is listed after it.
    expect(o.stdout).not.toMatch(/^listed /m);
  };

  const runs: [string, boolean, (env: NodeJS.ProcessEnv) => Promise<Outcome>][] = [
    ['node/send.mjs (the SDK)', true, (e) => runToEnd(process.execPath, [example('node/send.mjs')], { ...e, MAILROOM_SDK: path.join(build.dir, 'dist', 'index.js') })],
    ['python/send.py (requests)', pythonOk, (e) => runToEnd('python3', [example('python/send.py')], e)],
    ['curl/send.sh (curl and jq)', curlOk, (e) => runToEnd('sh', [example('curl/send.sh')], e)],
  ];

  for (const [name, ok, start] of runs) {
    it.skipIf(!ok)(`${name}: a logged message is a success that says nothing was sent`, async () => {
      await expectLogged(await start(env));
    }, 60_000);

    it.skipIf(!ok)(`${name}: a suppressed message fails at once, not after 60 s`, async () => {
      expectSuppressed(await start({ ...env, MAIL_TO: SUPPRESSED }));
    }, 60_000);
  }
});
