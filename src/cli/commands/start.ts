import type { Command } from 'commander';
import type { App } from '../../app.js';
import { loadConfig, type MailroomConfig } from '../../config.js';
import { ErrorCodes, MailroomError } from '../../core/kernel/errors.js';
import type { RelayStatus } from '../../ports.js';
import { BACKGROUND_NICE_STEPS, lowerPlatformThreads } from '../../thread-priority.js';
import { listenFailure } from '../../listen-failure.js';
import { LISTEN_BACKLOG } from '../../listen-backlog.js';
import { assertPostgresStore, commandLogger, reportFailure } from '../run.js';
import { sqliteStoreBesidePostgres } from '../sqlite-beside-postgres.js';
import { StopSignals } from '../stop-signals.js';

/**
 * What this process runs: everything (`start`), the workers only (`worker`), or the entry points
 * only (`start --no-workers`: the API, the admin UI and the relay, while `mailroom worker`
 * processes deliver; each process then compiles and batches only its own half of the work).
 */
type Role = 'all' | 'workers' | 'entry points';

/** What a worker on a database without a store is told to do. */
const WORKER_JOINS = 'start `mailroom start` (or run `mailroom migrate`) on it first: `mailroom worker` joins a store and does not create one; or set DATABASE_URL to the database `mailroom start` uses';

async function start(role: Role): Promise<void> {
  // First of all: a signal from here on stops the process cleanly (src/cli/stop-signals.ts).
  const signals = new StopSignals();
  // The main thread answers requests and runs the store; V8's compilers and GC helpers run lower
  // (never SCHED_IDLE: src/thread-priority.ts). Not in a worker: it answers no requests, and
  // compilers that got less CPU kept its hot paths slow for longer (its CPU per message 10–30 %
  // higher in 3 of 3 scaled runs, with them idle).
  const lowered = role === 'workers' ? undefined : lowerPlatformThreads();
  // The relay is an entry point like the API: it listens in `mailroom start`, not in `mailroom worker`.
  const config = loadConfig(process.env, role === 'workers' ? { relay: undefined } : role === 'entry points' ? { runWorkers: false } : {});
  // SQLite belongs to one process: without workers in it nothing would ever deliver.
  if (role === 'entry points' && !config.databaseUrl) {
    throw new MailroomError(ErrorCodes.CONFIG, '--no-workers needs PostgreSQL (DATABASE_URL): on SQLite the one process must also deliver; run `mailroom start`');
  }
  if (role === 'workers' && !config.databaseUrl) {
    throw new MailroomError(ErrorCodes.CONFIG, '`mailroom worker` needs PostgreSQL (DATABASE_URL): SQLite belongs to one process, and `mailroom start` already delivers; run only `mailroom start`');
  }
  const workersOnly = role === 'workers';
  // The misspelled variables are its first lines: before anything that they may make fail.
  const logger = await commandLogger(config, config.logLevel, 'stdout');
  signals.useLogger(logger);
  const besideSqlite = sqliteStoreBesidePostgres(config.dataDir, config.databaseUrl);
  if (besideSqlite) logger.warn(besideSqlite);
  // A worker joins a store; it does not make one. Workers that came up first on an empty
  // database each made their own master key, and the `mailroom start` that followed on another
  // host was refused for a key its operator never had (docs/operations.md: only `start` and
  // `migrate` create a store).
  if (workersOnly) await assertPostgresStore(config.databaseUrl as string, WORKER_JOINS);
  // The server's modules load once the command line is known to start it (`--help` does not load them).
  const [{ createApp }, { lockDataDir }, { checkDataDirFiles }] = await Promise.all([import('../../app.js'), import('../../app-core.js'), import('../../app-data-dir-files.js')]);
  // SQLite belongs to one process: a second start on the same directory is refused before it
  // opens the store, not run beside it (two outboxes delivering, accepts failing with SQLITE_BUSY).
  const release = config.databaseUrl ? () => undefined : lockDataDir(config.dataDir, 'stop it first, or give this one a MAILROOM_DATA_DIR of its own');
  // The data directory's files this start reads (the key file; the relay's kept certificate),
  // before the migrations and the first admin: one it cannot read or parse stops it here.
  await checkDataDirFiles(config, { relay: true });
  // Not released if opening fails: the process ends then (reportFailure), and with it the lock.
  // A process that takes requests sends from a thread of its own, so that building, signing and
  // sending mail never keeps a request waiting. `mailroom worker` answers none: it sends on its
  // main thread, without handing every message to a thread and its report back, and warms up
  // one V8 isolate instead of two. Beside `mailroom start` on one PostgreSQL (`npm run bench --
  // --messages 10000 --postgres … --workers 1 --scale`): the worker's own CPU per message of the
  // phase a median 0.29 ms against 0.32 with the thread (6 alternated pairs); two processes
  // against one, 10 runs, a median 0.97× the rate at 1.03× the CPU per message, against 0.97×
  // at 1.08× with the thread (6 runs): within single runs' noise (docs/performance.md).
  // The check above sees the schema; the first key is recorded after it, by the first start: a
  // worker that came up in between must not record one of its own (openKeyring's joinOnly).
  // A signal during it (migrations, the master key, the first admin) is acted on after it.
  const app = await signals.during('opening the store', () =>
    createApp(config, { logger, skipBootstrap: workersOnly, acceptsMail: !workersOnly, smtpThread: !workersOnly, ...(workersOnly ? { joinOnly: WORKER_JOINS } : {}) }),
  );
  if (lowered) app.logger.debug(lowered, `V8's helper threads: ${BACKGROUND_NICE} (lowered), else as they were (unchanged)`);
  // Stopped while the store opened: nothing served yet, but a first admin made meanwhile is told.
  const early = signals.requested;
  if (early) return stopBeforeServing(app, release, early, 'the store was opened');
  let running: Running;
  try {
    running = await signals.during('starting the workers and the listener', () => serve(role, config, app));
  } catch (err) {
    // The first admin exists now and no later start shows its password: show it with the failure.
    if (app.firstAdmin) process.stderr.write([...firstAdminLines(app.firstAdmin), '  (created before the start failed; the next start will not show it again)', ''].join('\n'));
    await app.close().catch(() => undefined);
    release();
    throw err;
  }
  // From now on a signal stops the server, the workers and the store; one that came while they
  // started (the banner, with a first admin's password, is out by now) does so at once.
  let stopping = false;
  signals.whenSignalled(async (signal) => {
    if (stopping) return;
    stopping = true;
    app.logger.info({ signal }, 'stopping');
    // The server stops taking requests before the workers and the store close. A close that
    // fails still ends the process, with the lock released and the reason logged.
    let code = 0;
    try {
      await running.server?.close();
      await app.close();
    } catch (err) {
      app.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'the stop did not finish cleanly');
      code = 1;
    }
    release();
    process.exit(code);
  });
}

const BACKGROUND_NICE = `${BACKGROUND_NICE_STEPS} nice steps lower`;

/**
 * A stop asked for while the store opened: the first admin's generated password, if this start
 * made that admin, is printed before anything closes (no later start shows it), then the store
 * closes and the process ends with 0.
 */
async function stopBeforeServing(app: App, release: () => void, signal: string, after: string): Promise<never> {
  if (app.firstAdmin) process.stdout.write([...firstAdminLines(app.firstAdmin), '  (created before the stop; the next start will not show it again)', ''].join('\n'));
  app.logger.info({ signal }, `stopped before serving: the stop was asked for while starting, and acted on once ${after}`);
  await app.close().catch((err: unknown) => app.logger.warn({ err }, 'error while closing'));
  release();
  process.exit(0);
}

/** What serve() started: the HTTP server, in a process that listens. */
interface Running {
  server?: { close(): Promise<unknown> };
}

/** Starts the workers and the listener and prints the banner (the first admin's password among it). */
async function serve(role: Role, config: MailroomConfig, app: App): Promise<Running> {
  const workersOnly = role === 'workers';
  const server = workersOnly ? undefined : await (await import('../../http/server.js')).buildServer(app.ports, app.routes);
  await app.startWorkers();
  if (!server) {
    process.stdout.write(`Mailroom worker running (${app.describeStorage})\n`);
    return {};
  }
  const address = await server.listen({ host: config.host, port: config.port, backlog: LISTEN_BACKLOG }).catch((err: unknown) => {
    throw listenFailure(err, { what: 'the API and admin UI', host: config.host, hostVariable: 'MAILROOM_HOST', port: config.port, portVariable: 'MAILROOM_PORT', unprivilegedPort: 8025 });
  });
  const url = address.replace('0.0.0.0', 'localhost').replace('[::]', 'localhost');
  const lines = [`Mailroom is running: ${url}/`, `  storage: ${app.describeStorage}`, `  API docs: ${url}/docs`, ...relayLines(app.ports.relay.status())];
  if (role === 'entry points') {
    lines.push('  workers: none in this process (--no-workers); `mailroom worker` processes deliver the mail it accepts');
    // Told at once rather than found out from a growing queue (a worker with MAILROOM_LISTEN_URL=off does not show).
    if ((await app.listeningProcesses()) === 0) lines.push('  no `mailroom worker` listens on this database yet: accepted mail waits, queued, until one starts');
  }
  if (app.firstAdmin) lines.push(...firstAdminLines(app.firstAdmin));
  else if (await (await import('../../core/access/bootstrap.js')).noActiveAdmin(app.ports.ctx)) lines.push('  no enabled admin user: nobody can change servers, accounts or users; create one with `mailroom user create --role admin`');
  else lines.push(...unusedAdminVariables(config));
  process.stdout.write(lines.join('\n') + '\n');
  return { server };
}

/**
 * The first admin's variables set on a later start: they were read only on the first one. An
 * admin who lost the printed password and set MAILROOM_ADMIN_PASSWORD to get back in was still
 * refused, with nothing saying why; the banner says it, and what does reset a password.
 */
function unusedAdminVariables(config: MailroomConfig): string[] {
  const set = [config.admin.email !== undefined ? 'MAILROOM_ADMIN_EMAIL' : null, config.admin.password !== undefined ? 'MAILROOM_ADMIN_PASSWORD' : null].filter((v) => v !== null);
  if (!set.length) return [];
  return [
    `  ${set.join(' and ')}: not used (users exist; ${set.length > 1 ? 'they set' : 'it sets'} the first admin on the very first start only)`,
    '  to set a user\'s password: mailroom user reset-password --email <email> --password-env <variable holding it>',
  ];
}

function firstAdminLines(admin: NonNullable<App['firstAdmin']>): string[] {
  return [`  first admin: ${admin.email}`, ...(admin.generatedPassword ? [`  password:    ${admin.generatedPassword}   (shown only this once; change it after logging in)`] : [])];
}

/** Where applications submit mail, and the certificate fingerprint to pin or compare. */
function relayLines(relay: RelayStatus): string[] {
  if (!relay.enabled) return [];
  const at = relay.listeners.map((l) => `${relay.host}:${l.port} (${l.tls === 'starttls' ? 'STARTTLS' : 'implicit TLS'})`).join(', ');
  const c = relay.certificate;
  return [
    `  SMTP relay: ${at}`,
    ...(c ? [`  relay certificate: ${c.source}, SHA-256 ${c.fingerprint256}, valid until ${new Date(c.expiresAt).toISOString().slice(0, 10)}`] : []),
  ];
}

/** The workers a process runs (`start`, `worker`; not `start --no-workers`), as --help says them. */
const WORKERS = "delivery (the outbox), webhooks, IMAP reading (accounts with inbound reading on) and retention (deletes the email log's old entries when a retention period is set)";

export function registerStart(program: Command): void {
  program
    .command('start')
    .summary('start the API, the admin UI, the relay (if set) and all workers')
    // What each role runs is what GET /api/v1/processes lists as its `runs` (src/app.ts).
    .description(`start the API, the admin UI, the SMTP relay (when MAILROOM_RELAY_PORT is set) and the workers: ${WORKERS}; on SQLite also the subject search index`)
    .option('--no-workers', 'PostgreSQL only: the API, the admin UI and the relay, none of the workers (`mailroom worker` processes run them)')
    .action((opts: { workers: boolean }) => start(opts.workers ? 'all' : 'entry points').catch(reportFailure));
  program
    .command('worker')
    .summary('PostgreSQL only: the workers (delivery, webhooks, IMAP reading, retention), no API')
    .description(`PostgreSQL only: run the workers, without the API, the admin UI or the relay (scale-out): ${WORKERS}`)
    .action(() => start('workers').catch(reportFailure));
}
