import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTRACTS_FILE, generateContracts } from './generate.js';

/** `npm run contracts`: regenerates src/http/route-contracts.generated.ts after a route or a view changed. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
writeFileSync(path.join(root, CONTRACTS_FILE), generateContracts(root));
console.log(`wrote ${CONTRACTS_FILE}`);
