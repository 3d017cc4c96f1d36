import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildSdk } from './build-lib.js';

/**
 * `npm run build` (in sdk/): builds the SDK from the OpenAPI document of this checkout's server
 * (started in-process on a throw-away SQLite database, never listening), or of a running one:
 * `npm run build:from -- https://mail.example.com`.
 */
async function documentOf(url: string | undefined): Promise<unknown> {
  if (url) {
    const res = await fetch(`${url.replace(/\/+$/, '')}/docs/json`);
    if (!res.ok) throw new Error(`${url}/docs/json answered ${res.status}`);
    return res.json();
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-sdk-build-'));
  const { loadConfig } = await import('../../src/config.js');
  const { createApp } = await import('../../src/app.js');
  const { buildServer } = await import('../../src/http/server.js');
  const { createLogger } = await import('../../src/logger.js');
  const app = await createApp(loadConfig({ MAILROOM_DATA_DIR: dataDir, MAILROOM_ADMIN_EMAIL: 'sdk-build@example.com', MAILROOM_ADMIN_PASSWORD: 'sdk-build-password' }, { runWorkers: false }), { logger: createLogger('error') });
  try {
    const server = await buildServer(app.ports, app.routes, { logger: false });
    const res = await server.inject({ method: 'GET', url: '/docs/json' });
    await server.close();
    return res.json();
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const urlFlag = process.argv.indexOf('--url');
const document = await documentOf(urlFlag >= 0 ? process.argv[urlFlag + 1] : undefined);
const problems = await buildSdk(document as never);
if (problems) {
  console.error(problems);
  process.exit(1);
}
console.log('built sdk/dist from the OpenAPI document');
