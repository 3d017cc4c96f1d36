import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, SDK_DIR } from '../../sdk/scripts/build-lib.js';
import { startMailroom, type Live } from '../e2e/harness.js';
import { buildSdkFrom, type SdkBuild } from '../helpers/sdk-build.js';

/**
 * The SDK as docs/sdk.md tells an application to use it: installed under node_modules as
 * @mailroom/sdk (its package.json as shipped), compiled with the tsconfig the page shows, run by
 * Node against a live Mailroom. Both kinds of application: an ES module and a CommonJS one
 * (Node ≥ 20.19 can require() an ES module, if the package's exports let it).
 */
const run = promisify(execFile);

/** docs/sdk.md, "In your application": the compiler settings an application needs. */
const TSCONFIG = { compilerOptions: { module: 'nodenext', target: 'es2022', strict: true, skipLibCheck: true, types: ['node'], outDir: 'dist' }, include: ['*.ts'] };

const PROGRAM = `import { Mailroom, isMailroomError } from '@mailroom/sdk';

async function main(): Promise<void> {
  const mailroom = new Mailroom({ url: process.env.MAILROOM_URL!, apiKey: process.env.MAILROOM_API_KEY! });
  const { id } = await mailroom.messages.send({ to: 'ann@example.net', subject: 'Hello', text: 'from an application' });
  const sent = await mailroom.messages.waitFor(id, { until: ['sent', 'logged'], timeoutMs: 20_000 });
  let code = '';
  try {
    await mailroom.messages.send({ to: 'ann@example.net', subject: 'Hi', text: 'x', purpose: 'newsletter' });
  } catch (err) {
    if (isMailroomError(err)) code = err.code;
    else throw err;
  }
  console.log(JSON.stringify({ status: sent.status, code }));
}
void main();
`;

describe('the SDK in an application, as docs/sdk.md installs and compiles it', () => {
  let live: Live;
  let build: SdkBuild;
  const apps: string[] = [];

  beforeAll(async () => {
    live = await startMailroom('sqlite', { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
    build = await buildSdkFrom(await (await fetch(`${live.baseUrl}/docs/json`)).json());
    expect(build.problems).toBe('');
    // The package as shipped: its own package.json (name, exports) beside the build.
    copyFileSync(path.join(SDK_DIR, 'package.json'), path.join(build.dir, 'package.json'));
  }, 180_000);
  afterAll(async () => {
    await live?.close();
    build?.remove();
    for (const dir of apps) rmSync(dir, { recursive: true, force: true });
  });

  /** An application folder (inside the repository, so @types/node resolves) with the SDK linked in as npm links a folder. */
  function application(type: 'module' | 'commonjs'): string {
    const dir = `${build.dir}-app-${type}`;
    apps.push(dir);
    mkdirSync(path.join(dir, 'node_modules', '@mailroom'), { recursive: true });
    symlinkSync(build.dir, path.join(dir, 'node_modules', '@mailroom', 'sdk'), 'dir');
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `app-${type}`, private: true, type }));
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    writeFileSync(path.join(dir, 'main.ts'), PROGRAM);
    return dir;
  }

  it.each(['module', 'commonjs'] as const)('an application of type %s compiles with the page\'s settings, loads the SDK and sends', async (type) => {
    const dir = application(type);
    expect(compile(path.join(dir, 'tsconfig.json'))).toBe('');
    const { stdout } = await run(process.execPath, [path.join(dir, 'dist', 'main.js')], {
      env: { ...process.env, MAILROOM_URL: live.baseUrl, MAILROOM_API_KEY: live.t.adminKey },
      timeout: 30_000,
    });
    expect(JSON.parse(stdout.trim())).toEqual({ status: 'logged', code: 'MAILROOM_E_UNKNOWN_PURPOSE' });
  }, 60_000);

  it('sends no field for an optional value left undefined (an unset variable): the server sees the message without it, the same request under its key', async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the SDK is built here, its types do not exist when this file is compiled
    const sdk = await build.load<any>();
    const sent: Record<string, unknown>[] = [];
    const recording = async (request: Request) => {
      if (request.method === 'POST') sent.push(JSON.parse(await request.clone().text()) as Record<string, unknown>);
      return fetch(request);
    };
    const mailroom = new sdk.Mailroom({ url: live.baseUrl, apiKey: live.t.adminKey, fetch: recording });
    const message = { to: 'ann@example.net', subject: 'Report', text: 'x', idempotencyKey: 'unset-variables-1' };
    const first = await mailroom.messages.send({ ...message, cc: undefined, purpose: undefined, attachments: [{ filename: 'a.txt', contentBase64: 'aGk=', contentType: undefined }] });
    expect(Object.keys(sent[0]!).sort()).toEqual(['attachments', 'idempotencyKey', 'subject', 'text', 'to']);
    expect(sent[0]!.attachments).toEqual([{ filename: 'a.txt', contentBase64: 'aGk=' }]);
    // Left out and undefined are the same request: its repeat under the key is a duplicate, not a mismatch.
    const again = await mailroom.messages.send({ ...message, attachments: [{ filename: 'a.txt', contentBase64: 'aGk=' }] });
    expect(again).toMatchObject({ id: first.id, duplicate: true });
    const event = await mailroom.events.emit({ type: 'order.shipped', id: 'unset-variables-1', locale: undefined, data: { order: 42, note: undefined } });
    expect(sent[2]).toEqual({ type: 'order.shipped', id: 'unset-variables-1', data: { order: 42 } });
    expect(event).toMatchObject({ id: 'unset-variables-1', duplicate: false });
  }, 60_000);
});
