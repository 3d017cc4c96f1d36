import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

/**
 * sdk/README.md shows every call of the SDK's facade once: each public method of each
 * namespace class (messages, events, suppressions, templates, webhooks) as
 * `mailroom.<namespace>.<method>(` in its code block, and the exported helpers.
 */
const sdk = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../sdk');
const readme = readFileSync(path.join(sdk, 'README.md'), 'utf8');
const code = [...readme.matchAll(/```ts\n([^]*?)```/g)].map((m) => m[1]).join('\n');

/** The public methods a facade class declares (not private, not the constructor). */
function methods(file: string, cls: string): string[] {
  const src = readFileSync(path.join(sdk, 'src', file), 'utf8');
  const body = src.slice(src.indexOf(`export class ${cls}`));
  const end = body.indexOf('\n}\n');
  return [...body.slice(0, end).matchAll(/^ {2}(?:async\s+)?\*?\s*([a-zA-Z]+)\s*(?:<.*>)?\(/gm)].map((m) => m[1]).filter((m) => !['constructor', 'if', 'for', 'while', 'switch', 'return', 'catch'].includes(m));
}

it.each([
  ['messages.ts', 'Messages', 'messages'],
  ['events.ts', 'Events', 'events'],
  ['suppressions.ts', 'Suppressions', 'suppressions'],
  ['templates.ts', 'Templates', 'templates'],
  ['webhooks.ts', 'Webhooks', 'webhooks'],
])('shows every method of %s', (file, cls, namespace) => {
  const names = methods(file, cls);
  expect(names.length, `${cls} has no public method?`).toBeGreaterThan(0);
  const missing = names.filter((m) => !code.includes(`mailroom.${namespace}.${m}(`));
  expect(missing).toEqual([]);
});

it('shows the exported helpers and the typed escape hatch', () => {
  for (const call of ['new Mailroom(', 'verifyWebhook(', 'isMailroomError(', 'mailroom.api.GET(']) expect(code, call).toContain(call);
});
