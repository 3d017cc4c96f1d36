import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SDK_DIR } from '../../sdk/scripts/build-lib.js';
import { buildSdkFrom, type SdkBuild } from '../helpers/sdk-build.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The SDK's types come from the server's OpenAPI document: tsc accepts a correct call and
 * refuses a misspelt field of messages.send (and a status that does not exist), as the server
 * would refuse them at run time. And the TypeScript of sdk/README.md and docs/sdk.md compiles in
 * an application set up as docs/sdk.md says, also with the strict flags it promises.
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

/**
 * Each tsc program costs ~1 s to set up (the libraries, the SDK's declarations, the checker
 * warming up), far more than checking one small file; so one program holds every file the tests
 * below compile and its diagnostics are split by file. Each test still sees exactly what tsc says
 * of its own file(s), and also whatever belongs to no file or to a file no test owns (a setting,
 * the SDK's sources), so an error there fails every test as before. The files are ES modules (no
 * `declare global`), so one cannot change how another type-checks.
 */
function compileSplit(configPath: string, owners: Record<string, string[]>): Record<string, string> {
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  if (!parsed) throw new Error(`cannot read ${configPath}`);
  // As build-lib's compile does (tsc -p, emitting): the same settings and the same diagnostics.
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  const emitted = program.emit();
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
  const ownerOf = new Map(Object.entries(owners).flatMap(([owner, files]) => files.map((f) => [f, owner] as const)));
  const host = { getCanonicalFileName: (f: string) => f, getCurrentDirectory: () => path.dirname(configPath), getNewLine: () => '\n' };
  return Object.fromEntries(
    Object.keys(owners).map((owner) => {
      const mine = diagnostics.filter((d) => {
        const o = d.file && ownerOf.get(path.basename(d.file.fileName));
        return o === undefined || o === owner;
      });
      return [owner, ts.formatDiagnostics(mine, host)];
    }),
  );
}

const FIXTURES = ['send-ok.ts', 'send-data.ts', 'send-misspelt.ts', 'list-limit-number.ts', 'list-limit-string.ts', 'status-misspelt.ts'];
let fixtureProblems: Record<string, string> | undefined;
/** tsc over the build plus the fixture (copied into its src/, as build.typecheck does, all of them at once): its diagnostics. */
function typecheck(name: string): string {
  if (!fixtureProblems) {
    for (const f of FIXTURES) copyFileSync(fixture(f), path.join(build.dir, 'src', f));
    try {
      fixtureProblems = compileSplit(path.join(build.dir, 'tsconfig.json'), Object.fromEntries(FIXTURES.map((f) => [f, [f]])));
    } finally {
      for (const f of FIXTURES) rmSync(path.join(build.dir, 'src', f));
    }
  }
  return fixtureProblems[name]!;
}

it('compiles a correct use of messages.send, list, waitFor and MailroomError', () => {
  expect(typecheck('send-ok.ts')).toBe('');
}, 120_000);

it('compiles template data, event data and preview data with any fields (free-form JSON)', () => {
  expect(typecheck('send-data.ts')).toBe('');
}, 120_000);

it('fails tsc on a misspelt field in messages.send', () => {
  const problems = typecheck('send-misspelt.ts');
  expect(problems).toMatch(/send-misspelt\.ts.*error TS2561: Object literal may only specify known properties, but 'subjet' does not exist.*Did you mean to write 'subject'\?/);
  expect(problems.match(/error TS/g)).toHaveLength(1);
}, 120_000);

it('takes page sizes (limit) as numbers on every list, as the document types them', () => {
  expect(typecheck('list-limit-number.ts')).toBe('');
}, 120_000);

it('fails tsc on a page size given as text', () => {
  const problems = typecheck('list-limit-string.ts');
  expect(problems).toMatch(/list-limit-string\.ts.*error TS2322: Type 'string' is not assignable to type 'number'/);
  expect(problems.match(/error TS/g)).toHaveLength(1);
}, 120_000);

it('fails tsc on a message status that does not exist', () => {
  const problems = typecheck('status-misspelt.ts');
  expect(problems).toMatch(/status-misspelt\.ts.*error TS2322: Type '"delivered"' is not assignable/);
  expect(problems.match(/error TS/g)).toHaveLength(1);
}, 120_000);

/** The ```ts blocks of a Markdown page (also those indented in a list item), without that indent. */
function tsBlocks(page: string): string[] {
  const text = readFileSync(path.join(SDK_DIR, '..', page), 'utf8');
  return [...text.matchAll(/^( *)```ts\n([^]*?)^ *```$/gm)].map(([, indent, body]) => body!.replace(new RegExp(`^${indent}`, 'gm'), ''));
}

/**
 * sdk/README.md's blocks as one module of an application: their imports of @mailroom/sdk merged
 * at the top, the first block (which makes `mailroom` and sends `id`) at the top level and each
 * later block in a scope of its own (they reuse names such as `err`), as a reader pastes them.
 * What a web framework would give (the raw body and request of a webhook) is declared.
 */
function readmeAsModule(blocks: string[]): string {
  const names = new Set<string>();
  const bodies = blocks.map((block) =>
    block.replace(/^import \{([^}]*)\} from '@mailroom\/sdk';\n/gm, (_, list: string) => {
      for (const n of list.split(',')) if (n.trim()) names.add(n.trim());
      return '';
    }),
  );
  for (const body of bodies) expect(body, 'an import this test does not merge').not.toMatch(/^import /m);
  return [
    `import { ${[...names].join(', ')} } from '@mailroom/sdk';`,
    "import type { IncomingMessage } from 'node:http';",
    'declare const rawBody: string;',
    'declare const request: IncomingMessage;',
    bodies[0],
    ...bodies.slice(1).map((b) => `{\n${b}}`),
  ].join('\n');
}

/**
 * tsc over an application that installed the built SDK as @mailroom/sdk (a link, as `npm install
 * /path/to/mailroom/sdk` makes), set up as docs/sdk.md says ("In your application": its tsconfig,
 * an ES module), plus the two strict flags it promises the examples compile with. @types/node
 * comes from the repository's node_modules. Returns the diagnostics of each owner's files
 * (empty: they compiled), from one tsc program over all of them (compileSplit).
 */
function compileInApplication(name: string, files: Record<string, string>, owners: Record<string, string[]>): Record<string, string> {
  const settings = /TypeScript settings that compile[^]*?```json\n([^]*?)```/.exec(readFileSync(path.join(SDK_DIR, '..', 'docs/sdk.md'), 'utf8'))?.[1];
  if (!settings) throw new Error('docs/sdk.md has no tsconfig for an application ("TypeScript settings that compile …" and a json block)');
  const tsconfig = JSON.parse(settings) as { compilerOptions: Record<string, unknown> };
  Object.assign(tsconfig.compilerOptions, { exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, noEmit: true });
  // The package as it is installed: its package.json (exports, types) beside the build's dist/.
  cpSync(path.join(SDK_DIR, 'package.json'), path.join(build.dir, 'package.json'));
  const app = path.join(build.dir, name);
  mkdirSync(path.join(app, 'node_modules', '@mailroom'), { recursive: true });
  symlinkSync(build.dir, path.join(app, 'node_modules', '@mailroom', 'sdk'), 'dir');
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({ ...tsconfig, include: ['*.ts'] }, null, 2));
  for (const [file, source] of Object.entries(files)) writeFileSync(path.join(app, file), source);
  return compileSplit(path.join(app, 'tsconfig.json'), owners);
}

let applicationProblems: Record<string, string> | undefined;
/**
 * The three applications the tests below compile (the documents' examples, options-from-env.ts,
 * send-from-env.ts), as one application holding all their files: the diagnostics of `owner`'s files.
 */
function compileApplication(owner: 'readme' | 'options-from-env.ts' | 'send-from-env.ts'): string {
  if (!applicationProblems) {
    const readme = tsBlocks('sdk/README.md');
    const guide = tsBlocks('docs/sdk.md');
    const files: Record<string, string> = { 'readme.ts': readmeAsModule(readme) };
    guide.forEach((block, i) => (files[`docs-sdk-${i + 1}.ts`] = block));
    for (const f of ['options-from-env.ts', 'send-from-env.ts']) files[f] = readFileSync(fixture(f), 'utf8');
    applicationProblems = compileInApplication('app', files, {
      readme: Object.keys(files).filter((f) => f === 'readme.ts' || f.startsWith('docs-sdk-')),
      'options-from-env.ts': ['options-from-env.ts'],
      'send-from-env.ts': ['send-from-env.ts'],
    });
  }
  return applicationProblems[owner]!;
}

it('compiles the TypeScript of sdk/README.md and docs/sdk.md in an application set up as docs/sdk.md says, with exactOptionalPropertyTypes and noUncheckedIndexedAccess', () => {
  const readme = tsBlocks('sdk/README.md');
  expect(readme.length).toBeGreaterThanOrEqual(3);
  const guide = tsBlocks('docs/sdk.md');
  expect(guide.length).toBeGreaterThanOrEqual(1);
  expect(compileApplication('readme')).toBe('');
}, 120_000);

it('takes optional settings read from unset variables (undefined) as left out, with exactOptionalPropertyTypes', () => {
  expect(compileApplication('options-from-env.ts')).toBe('');
}, 120_000);

it('takes optional fields of a message, an event and a filter read from unset variables (undefined) as left out, with exactOptionalPropertyTypes', () => {
  expect(compileApplication('send-from-env.ts')).toBe('');
}, 120_000);
