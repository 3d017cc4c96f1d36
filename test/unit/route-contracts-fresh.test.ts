import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { CONTRACTS_FILE, generateContracts } from '../../scripts/contracts/generate.js';

/**
 * The OpenAPI document's answers and error codes come from src/http/route-contracts.generated.ts,
 * which `npm run contracts` reads from the route handlers. A handler that now answers another
 * shape, or reaches a code (a new `throw` in a service it calls), makes the committed file stale:
 * this test fails until it is regenerated, so the document cannot fall behind the code.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

it('the committed route contracts are what the route handlers answer and reach today', () => {
  const committed = readFileSync(path.join(root, CONTRACTS_FILE), 'utf8');
  const fresh = generateContracts(root);
  if (committed !== fresh) {
    const a = committed.split('\n');
    const b = fresh.split('\n');
    const changed = b.filter((line, i) => line !== a[i]).map((line) => line.slice(0, 60));
    expect.fail(`${CONTRACTS_FILE} is stale; run \`npm run contracts\` and commit it. Changed routes: ${changed.join(' | ')}`);
  }
  expect(committed).toBe(fresh);
}, 120_000);
