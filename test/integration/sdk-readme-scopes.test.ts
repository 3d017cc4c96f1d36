import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startMailroom, type Live } from '../e2e/harness.js';
import { buildSdkFrom, type SdkBuild } from '../helpers/sdk-build.js';

/**
 * sdk/README.md's first example makes the client with an API key whose comment says which scopes
 * the calls below need: the calls it names as needing admin are exactly those a key with scopes
 * send and read is refused (403), called through the built SDK against a live Mailroom.
 */
const readme = readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../sdk/README.md'), 'utf8');

// The SDK is built here, so its types do not exist when this file is compiled.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Built = any;

let live: Live;
let build: SdkBuild;
let mailroom: Built;
let sdk: Built;

beforeAll(async () => {
  // The log driver: a message is accepted and logged without any server set up.
  live = await startMailroom('sqlite', { env: { MAILROOM_MAIL_DRIVER: 'log' } });
  const key = await live.t.request({ method: 'POST', url: '/api/v1/api-keys', payload: { name: 'readme', scopes: ['send', 'read'] } });
  expect(key.statusCode).toBe(201);
  build = await buildSdkFrom(await (await fetch(`${live.baseUrl}/docs/json`)).json());
  expect(build.problems).toBe('');
  sdk = await build.load<Built>();
  mailroom = new sdk.Mailroom({ url: live.baseUrl, apiKey: key.json().key, retry: false });
}, 180_000);
afterAll(async () => {
  await live?.close();
  build?.remove();
});

/** The code of a refusal for want of a scope (403); undefined for any other answer or none: the key may make the call. */
async function refusal(call: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await call();
    return undefined;
  } catch (err) {
    if (!sdk.isMailroomError(err)) throw err;
    const { status, code } = err as { status: number; code: string };
    return status === 403 ? code : undefined;
  }
}

it('names, beside the key of the first example, exactly the calls a key with scopes send and read may not make', async () => {
  const line = readme.split('\n').find((l) => /^\s*apiKey: .*\/\//.test(l));
  expect(line, 'no apiKey line with a comment in sdk/README.md').toBeTruthy();
  const comment = line!.slice(line!.indexOf('//'));
  expect(comment).toMatch(/\bsend and read\b/);
  const named = [...(comment.split(/\badmin\b/)[0] ?? '').matchAll(/\b(?:messages|events|suppressions|templates)\.\w+/g)].map((m) => m[0]).sort();

  const { id } = (await mailroom.messages.send({ to: ['ann@example.net'], subject: 'Hi', text: 'Hello' })) as { id: string };
  const calls: Record<string, () => Promise<unknown>> = {
    'messages.send': () => mailroom.messages.send({ to: ['ann@example.net'], subject: 'Hi', text: 'Hello' }),
    'messages.get': () => mailroom.messages.get(id),
    'messages.page': () => mailroom.messages.page({ limit: 1 }),
    'messages.waitFor': () => mailroom.messages.waitFor(id, { timeoutMs: 10_000 }),
    'messages.retry': () => mailroom.messages.retry(id),
    'messages.cancel': () => mailroom.messages.cancel(id),
    'events.emit': () => mailroom.events.emit({ type: 'readme.checked' }),
    'events.page': () => mailroom.events.page({ limit: 1 }),
    'suppressions.page': () => mailroom.suppressions.page({}),
    'suppressions.add': () => mailroom.suppressions.add({ address: 'gone@example.net' }),
    'suppressions.remove': () => mailroom.suppressions.remove('gone@example.net'),
    'templates.preview': () => mailroom.templates.preview('password_reset', {}),
  };
  const needAdmin: string[] = [];
  const codes = new Set<string>();
  for (const [name, call] of Object.entries(calls)) {
    const code = await refusal(call);
    if (!code) continue;
    needAdmin.push(name);
    codes.add(code);
  }
  // The key is refused something: else this test would prove nothing about the comment.
  expect(needAdmin.length).toBeGreaterThan(0);
  expect(named, comment).toEqual(needAdmin.sort());
  for (const code of codes) expect(comment, 'the code of the refusal').toContain(code);
}, 60_000);
