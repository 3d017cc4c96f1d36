import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMailroom, type Live } from '../e2e/harness.js';
import { buildSdkFrom, type SdkBuild } from '../helpers/sdk-build.js';
import { haveSmtpSink, startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';

/**
 * examples/ (Node with the SDK, Python with requests, curl with jq) each run as a user would,
 * as a child process against a live Mailroom that delivers to Postfix's smtp-sink: each sends,
 * follows the message to "sent", lists, and prints a refusal's code.
 */
const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const example = (p: string) => path.join(root, 'examples', p);

async function have(cmd: string, args: string[]): Promise<boolean> {
  try {
    await run(cmd, args);
    return true;
  } catch {
    if (process.env.CI === 'true') throw new Error(`CI=true but \`${cmd} ${args.join(' ')}\` fails: install it`);
    console.warn(`[mailroom tests] \`${cmd} ${args.join(' ')}\` fails: that example is SKIPPED`);
    return false;
  }
}

const sinkOk = haveSmtpSink();
const pythonOk = await have('python3', ['-c', 'import requests']);
const curlOk = (await have('curl', ['--version'])) && (await have('jq', ['--version']));

describe.skipIf(!sinkOk)('the examples against a live Mailroom', () => {
  let live: Live;
  let sink: SmtpSink;
  let build: SdkBuild;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    sink = await startSmtpSink();
    live = await startMailroom('sqlite');
    const server = await live.t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: 'sink', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', requireTls: false, connectTimeoutSec: 5, sendTimeoutSec: 5 } } });
    expect(server.statusCode).toBe(201);
    expect((await live.t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.json().id, address: 'ops@example.com' } })).statusCode).toBe(201);
    // What an application would have: a key that sends and reads, nothing more.
    const key = await live.t.request({ method: 'POST', url: '/api/v1/api-keys', payload: { name: 'examples', scopes: ['send', 'read'] } });
    expect(key.statusCode).toBe(201);
    env = { ...process.env, MAILROOM_URL: live.baseUrl, MAILROOM_API_KEY: key.json().key, MAIL_TO: 'oncall@example.net' };
    build = await buildSdkFrom(await (await fetch(`${live.baseUrl}/docs/json`)).json());
    expect(build.problems).toBe('');
  }, 180_000);
  afterAll(async () => {
    await live?.close();
    await sink?.stop();
    build?.remove();
  });

  const expectRun = (stdout: string) => {
    const id = /^accepted (msg_\w+) queued$/m.exec(stdout)?.[1];
    expect(id, stdout).toBeTruthy();
    expect(stdout).toMatch(/^status sent$/m);
    expect(Number(/^listed (\d+)$/m.exec(stdout)?.[1])).toBeGreaterThanOrEqual(1);
    expect(stdout).toMatch(/^refused MAILROOM_E_UNKNOWN_PURPOSE 422/m);
    return id as string;
  };
  const delivered = async (id: string) => {
    const m = (await live.t.request({ method: 'GET', url: `/api/v1/messages/${id}` })).json();
    expect(m).toMatchObject({ status: 'sent', subject: 'Disk almost full', purpose: 'alert' });
    expect(m.idempotencyKey).toBeTruthy();
    expect(sink.messages().some((d) => d.includes(m.messageIdHeader))).toBe(true);
  };

  it('node/send.mjs (the SDK)', async () => {
    const { stdout } = await run(process.execPath, [example('node/send.mjs')], { env: { ...env, MAILROOM_SDK: path.join(build.dir, 'dist', 'index.js') }, timeout: 90_000 });
    await delivered(expectRun(stdout));
  }, 120_000);

  it.skipIf(!pythonOk)('python/send.py (requests)', async () => {
    const { stdout } = await run('python3', [example('python/send.py')], { env, timeout: 90_000 });
    await delivered(expectRun(stdout));
  }, 120_000);

  it.skipIf(!curlOk)('curl/send.sh (curl and jq)', async () => {
    const { stdout } = await run('sh', [example('curl/send.sh')], { env, timeout: 90_000 });
    await delivered(expectRun(stdout));
  }, 120_000);
});
