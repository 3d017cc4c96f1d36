import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SDK_DIR } from '../../sdk/scripts/build-lib.js';
import { buildSdkFrom, type SdkBuild } from '../helpers/sdk-build.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The SDK's types come from the server's OpenAPI document: tsc accepts a correct call and
 * refuses a misspelt field of messages.send (and a status that does not exist), as the server
 * would refuse them at run time.
 */
let t: TestApp;
let build: SdkBuild;
const fixture = (name: string) => path.join(SDK_DIR, 'type-fixtures', name);

beforeAll(async () => {
  t = await startTestApp('sqlite');
  build = await buildSdkFrom((await t.request({ method: 'GET', url: '/docs/json', key: null })).json());
}, 180_000);
afterAll(async () => {
  await t?.close();
  build?.remove();
});

it('builds without a type error', () => {
  expect(build.problems).toBe('');
});

it('compiles a correct use of messages.send, list, waitFor and MailroomError', () => {
  expect(build.typecheck(fixture('send-ok.ts'))).toBe('');
}, 120_000);

it('compiles template data, event data and preview data with any fields (free-form JSON)', () => {
  expect(build.typecheck(fixture('send-data.ts'))).toBe('');
}, 120_000);

it('fails tsc on a misspelt field in messages.send', () => {
  const problems = build.typecheck(fixture('send-misspelt.ts'));
  expect(problems).toMatch(/send-misspelt\.ts.*error TS2561: Object literal may only specify known properties, but 'subjet' does not exist.*Did you mean to write 'subject'\?/);
  expect(problems.match(/error TS/g)).toHaveLength(1);
}, 120_000);

it('takes page sizes (limit) as numbers on every list, as the document types them', () => {
  expect(build.typecheck(fixture('list-limit-number.ts'))).toBe('');
}, 120_000);

it('fails tsc on a page size given as text', () => {
  const problems = build.typecheck(fixture('list-limit-string.ts'));
  expect(problems).toMatch(/list-limit-string\.ts.*error TS2322: Type 'string' is not assignable to type 'number'/);
  expect(problems.match(/error TS/g)).toHaveLength(1);
}, 120_000);

it('fails tsc on a message status that does not exist', () => {
  const problems = build.typecheck(fixture('status-misspelt.ts'));
  expect(problems).toMatch(/status-misspelt\.ts.*error TS2322: Type '"delivered"' is not assignable/);
  expect(problems.match(/error TS/g)).toHaveLength(1);
}, 120_000);
