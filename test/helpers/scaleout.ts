import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { LISTENER_APPLICATION_NAME } from '../../src/store/postgres/pg-wake.js';
import type { RunningMailroom } from './cli.js';
import { createPostgresDatabase, migratedTemplate } from './dialects.js';
import { startSmtpSink, type SmtpSink } from './smtp-sink.js';

export interface ScaleOutFixture {
  readonly sink: SmtpSink;
  /** A plain client on the test's database, for looking at what the processes did. */
  readonly admin: pg.Client;
  readonly dataDir: string;
  /** The environment every process of the test shares (one database, one master key, the sink's server). */
  env(): Record<string, string>;
  /** Subjects of the messages at the sink, oldest first. */
  subjects(): (string | undefined)[];
  /** Backend pids of the Mailroom LISTEN connections on the test's database. */
  listeners(): Promise<number[]>;
  /** Processes the fixture kills (SIGKILL) after the tests. */
  running: RunningMailroom[];
}

/**
 * Several Mailroom processes on one fresh PostgreSQL database in front of one smtp-sink: made in
 * beforeAll, and afterAll kills the processes listed in `running` and removes everything.
 * `extraEnv` adds to the shared environment (lease, poll interval).
 */
export function scaleOutFixture(name: string, extraEnv: Record<string, string> = {}): ScaleOutFixture {
  const secretKey = randomBytes(32).toString('base64');
  let db: { url: string; drop(): Promise<void> } | undefined;
  let sink: SmtpSink | undefined;
  let admin: pg.Client | undefined;
  let dataDir = '';
  const made = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('the scale-out fixture is made in beforeAll: use it inside a test');
    return v;
  };
  const f: ScaleOutFixture = {
    running: [],
    get sink() {
      return made(sink);
    },
    get admin() {
      return made(admin);
    },
    get dataDir() {
      return dataDir;
    },
    env: () => ({
      DATABASE_URL: made(db).url,
      MAILROOM_DATA_DIR: dataDir,
      MAILROOM_SECRET_KEY: secretKey,
      MAILROOM_ADMIN_EMAIL: 'admin@example.com',
      MAILROOM_ADMIN_PASSWORD: `${name}-test-password`,
      MAILROOM_SMTP_HOST: '127.0.0.1',
      MAILROOM_SMTP_PORT: String(made(sink).port),
      MAILROOM_SMTP_SECURITY: 'none',
      MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com',
      MAILROOM_MAIL_FROM_NAME: 'App',
      ...extraEnv,
    }),
    subjects: () => made(sink).messages().map((d) => /^Subject: (.*)$/m.exec(d)?.[1]),
    listeners: async () =>
      (await made(admin).query<{ pid: number }>('select pid from pg_stat_activity where application_name = $1 and datname = current_database()', [LISTENER_APPLICATION_NAME])).rows.map((r) => r.pid),
  };
  beforeAll(async () => {
    sink = await startSmtpSink();
    // Migrated already: the processes under test check the migrations instead of running them.
    db = await createPostgresDatabase({ template: await migratedTemplate() });
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    dataDir = mkdtempSync(path.join(tmpdir(), `mailroom-${name}-`));
  });
  afterAll(async () => {
    for (const r of f.running) await r.stop('SIGKILL');
    await admin?.end();
    await db?.drop();
    await sink?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  return f;
}
