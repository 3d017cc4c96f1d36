import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/core/kernel/errors.js';
import { statusFor } from '../../src/http/error-status.js';

/** The error catalogue and docs/api.md say the same: every code documented, with its status. */
const doc = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
const table = new Map(
  [...doc.matchAll(/^\| `(MAILROOM_E_[A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])] as const),
);

describe('error catalogue in docs/api.md', () => {
  it('documents every code of the catalogue with the status the API answers', () => {
    for (const code of Object.values(ErrorCodes)) {
      expect(table.has(code), `${code} is missing from the "Error codes" table of docs/api.md`).toBe(true);
      expect(table.get(code), `${code}: the table's status`).toBe(statusFor(code));
    }
  });

  it('names no code that does not exist, anywhere in the page', () => {
    const known = new Set<string>(Object.values(ErrorCodes));
    const named = [...doc.matchAll(/MAILROOM_E_[A-Z_]+/g)].map((m) => m[0]).filter((c) => c !== 'MAILROOM_E_');
    expect(named.filter((c) => !known.has(c))).toEqual([]);
  });

  it('no other page (docs/, README, the SDK README) names a code that does not exist', () => {
    const known = new Set<string>(Object.values(ErrorCodes));
    const pages = [...readdirSync(new URL('../../docs/', import.meta.url)).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`), 'README.md', 'sdk/README.md'];
    expect(pages.length).toBeGreaterThan(10);
    const unknown: string[] = [];
    for (const page of pages) {
      const text = readFileSync(new URL(`../../${page}`, import.meta.url), 'utf8');
      // A family written with a wildcard (MAILROOM_E_TEMPLATE_*) is not a code.
      for (const [code] of text.matchAll(/MAILROOM_E_[A-Z_]*[A-Z](?![A-Z_]*\*)/g)) if (!known.has(code)) unknown.push(`${page}: ${code}`);
    }
    expect(unknown).toEqual([]);
  });
});
