import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createApp, type App, type AppOptions } from '../../src/app.js';
import { loadConfig, type MailroomConfig } from '../../src/config.js';
import { createApiKey } from '../../src/core/access/api-keys.service.js';
import type { Clock } from '../../src/core/kernel/clock.js';
import { JOURNALED_EVENT_TYPES } from '../../src/core/kernel/event-journal.js';
import { buildServer } from '../../src/http/server.js';
import { openDatabase } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrator.js';
import { createLogger } from '../../src/logger.js';
import { createPostgresDatabase, migratedTemplate, type Dialect } from './dialects.js';

export const ADMIN_EMAIL = 'admin@example.com';
export const ADMIN_PASSWORD = 'correct-horse-battery';

export interface TestApp {
  app: App;
  server: FastifyInstance;
  dataDir: string;
  databaseUrl?: string;
  /** Every line the application logged, for "no password in the log" checks. */
  logLines: string[];
  adminKey: string;
  /** inject() with the admin API key unless headers say otherwise. */
  request(opts: InjectOptions & { key?: string | null }): Promise<LightMyRequestResponse>;
  /** Closes and reopens the app on the same data (a restart). */
  restart(env?: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  config?: Partial<MailroomConfig>;
  clock?: Clock;
  routes?: boolean;
  /** Direct delivery's test trust anchors and MTA-STS port (AppOptions.direct). */
  direct?: AppOptions['direct'];
  /** false: the SMTP pools (relay and direct) on the main thread (AppOptions.smtpThread). */
  smtpThread?: boolean;
  /** PostgreSQL only: the URL Mailroom connects with, from the throw-away database's (e.g. through a proxy). */
  databaseUrl?: (url: string) => string;
  /** false: a process that takes no mail in, as `mailroom worker` (AppOptions.acceptsMail). */
  acceptsMail?: boolean;
}

/**
 * A real Mailroom on a temporary data directory (SQLite) or a throw-away PostgreSQL database,
 * with an admin API key ready; HTTP through Fastify's inject.
 */
export async function startTestApp(dialect: Dialect, opts: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-test-'));
  // A copy of the migrated template: its start checks the migrations instead of running them.
  const pgDb = dialect === 'postgres' ? await createPostgresDatabase({ template: await migratedTemplate() }) : undefined;
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logLines.push(chunk.toString());
      cb();
    },
  });
  let env: Record<string, string> = { MAILROOM_DATA_DIR: dataDir, MAILROOM_ADMIN_EMAIL: ADMIN_EMAIL, MAILROOM_ADMIN_PASSWORD: ADMIN_PASSWORD, MAILROOM_LOG_LEVEL: 'debug', ...(opts.env ?? {}) };
  if (pgDb) env.DATABASE_URL = opts.databaseUrl ? opts.databaseUrl(pgDb.url) : pgDb.url;
  // A copy of a migrated SQLite file: its start checks the migrations instead of running them.
  else if (env.MAILROOM_DATA_DIR === dataDir) await copyMigratedSqlite(dataDir);

  const open = async () => {
    const config = loadConfig(env, { runWorkers: false, ...(opts.config ?? {}) });
    const app = await createApp(config, { clock: opts.clock, logger: createLogger('debug', sink), direct: opts.direct, smtpThread: opts.smtpThread, acceptsMail: opts.acceptsMail });
    const server = await buildServer(app.ports, opts.routes === false ? { root: [], api: [] } : app.routes);
    await server.ready();
    return { app, server };
  };
  let { app, server } = await open();
  const { key: adminKey } = await createApiKey(app.ports.ctx, { label: 'test', ip: null }, { name: 'test-admin', scopes: ['admin'], allowOverride: true }, null);

  const t: TestApp = {
    app,
    server,
    dataDir,
    databaseUrl: pgDb?.url,
    logLines,
    adminKey,
    request(o) {
      const { key, headers, ...rest } = o;
      const auth = key === null ? {} : { authorization: `Bearer ${key ?? adminKey}` };
      return server.inject({ ...rest, headers: { ...auth, ...(headers ?? {}) } });
    },
    async restart(extraEnv) {
      await server.close();
      await app.close();
      if (extraEnv) env = { ...env, ...extraEnv };
      ({ app, server } = await open());
      t.app = app;
      t.server = server;
    },
    async close() {
      await server.close();
      await app.close();
      await pgDb?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return t;
}

/**
 * An enabled webhook endpoint that nothing delivers to (the test starts no webhook worker):
 * events are journaled only while one is enabled (EventJournalRepository.append). The app needs
 * MAILROOM_ALLOW_PRIVATE_HOSTS=127.0.0.1 for its loopback URL.
 */
export async function enableWebhookEndpoint(t: TestApp, events: readonly string[] = JOURNALED_EVENT_TYPES): Promise<string> {
  const res = await t.request({ method: 'POST', url: '/api/v1/webhooks', payload: { url: 'http://127.0.0.1:9/not-delivered', events } });
  if (res.statusCode !== 201) throw new Error(`could not create the webhook endpoint: ${res.statusCode} ${res.body}`);
  return res.json().id as string;
}

let sqliteTemplate: Promise<string> | undefined;

/**
 * Puts a migrated store file (made once per test process, from the migrations in the tree) into a
 * new data directory: running every migration cost each SQLite test app ~0.1–0.3 s.
 */
async function copyMigratedSqlite(dataDir: string): Promise<void> {
  sqliteTemplate ??= (async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mailroom-template-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const store = openDatabase({ dataDir: dir });
    try {
      await migrateToLatest(store.db, 'the test template store');
    } finally {
      // Closed, the file holds every page (the last connection checkpoints its WAL).
      await store.close();
    }
    if (existsSync(path.join(dir, 'mailroom.db-wal'))) throw new Error('the migrated template store kept a WAL file after it was closed');
    return path.join(dir, 'mailroom.db');
  })();
  copyFileSync(await sqliteTemplate, path.join(dataDir, 'mailroom.db'));
}
