import { buildSdk, checkoutDocument } from './build-lib.js';

/**
 * `npm run build` (in sdk/): builds the SDK from the OpenAPI document of this checkout's server
 * (started in-process on a throw-away SQLite database, never listening), or of a running one:
 * `npm run build:from -- https://mail.example.com`. Either way src/generated/ is rewritten.
 */
async function documentOf(url: string | undefined): Promise<unknown> {
  if (!url) return checkoutDocument();
  const res = await fetch(`${url.replace(/\/+$/, '')}/docs/json`);
  if (!res.ok) throw new Error(`${url}/docs/json answered ${res.status}`);
  return res.json();
}

const urlFlag = process.argv.indexOf('--url');
const document = await documentOf(urlFlag >= 0 ? process.argv[urlFlag + 1] : undefined);
const problems = await buildSdk(document as never);
if (problems) {
  console.error(problems);
  process.exit(1);
}
console.log('built sdk/dist from the OpenAPI document');
