import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { BUILTIN_TEMPLATES } from '../../src/templates/builtin/index.js';

/**
 * docs/events.md's curl examples are run by readers one after another against a fresh Mailroom.
 * Two ways they broke for a reader: a rule naming a template nobody made (the rule is refused
 * with 400, "is not a template"), and one event id raised twice with different bodies (the second
 * is refused with 422 MAILROOM_E_IDEMPOTENCY_MISMATCH). A template an example names is therefore
 * a built-in one or one the page creates with `PUT …/templates/<key>`, and every event id
 * an example raises is raised with one body only.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const page = readFileSync(path.join(root, 'docs/events.md'), 'utf8');
const blocks = [...page.matchAll(/```sh\n([^]*?)```/g)].map((m) => m[1]);

/** Each curl call of the examples: its JSON body and the path it goes to. */
const calls = blocks.flatMap((block) =>
  [...block.matchAll(/-d '(\{[^']*\})'\s+\$API(\/[^\s]*)/g)].map((m) => ({ body: m[1], target: m[2] })),
);

it('reads the curl calls of the examples', () => {
  expect(calls.length).toBeGreaterThan(10);
  for (const call of calls) expect(() => JSON.parse(call.body), call.body).not.toThrow();
});

it('names only templates that are built in or created on the page', () => {
  const created = calls.map((c) => /^\/templates\/([a-z][a-z0-9_.-]+)$/.exec(c.target)?.[1]).filter((k) => k !== undefined);
  const known = new Set([...Object.keys(BUILTIN_TEMPLATES.templates), ...created]);
  const named = calls.filter((c) => c.target === '/rules').map((c) => (JSON.parse(c.body) as { template?: string }).template);
  for (const key of named) if (key !== undefined) expect(known.has(key), `template ${key}`).toBe(true);
});

it('raises each event id with one body only', () => {
  const bodies = new Map<string, string>();
  for (const call of calls.filter((c) => c.target === '/events')) {
    const body = JSON.parse(call.body) as { id?: string };
    if (body.id === undefined) continue;
    const seen = bodies.get(body.id);
    if (seen !== undefined) expect(JSON.stringify(JSON.parse(seen)), `event id ${body.id} with two bodies`).toBe(JSON.stringify(body));
    bodies.set(body.id, call.body);
  }
});
