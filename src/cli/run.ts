import { existsSync } from 'node:fs';
import { ErrorCodes, isMailroomError, MailroomError } from '../core/kernel/errors.js';
import type { CoreOptions, CoreRuntime } from '../app-core.js';
import type { Logger } from '../logger.js';
import { loadConfig, misspellingWarning, withMisspellingHints, type MailroomConfig } from '../config.js';

/**
 * Prints a failure the way an operator needs it: the code and what to do, no stack trace. A
 * refusal of a setting whose misspelling is set names the misspelling below it.
 */
export function reportFailure(failure: unknown): never {
  const err = withMisspellingHints(failure);
  if (isMailroomError(err)) {
    process.stderr.write(`mailroom: ${err.message}\n  (${err.code})\n`);
  } else {
    process.stderr.write(`mailroom: ${(err as Error)?.stack ?? String(err)}\n`);
  }
  process.exit(1);
}

/** Whether the command line said --create-store (set by src/cli/main.ts before an action runs). */
export const cliFlags = { createStore: false };

/**
 * Opens the store and the core for a one-shot command (src/app-core.ts: not the HTTP routes, the
 * workers or their adapters, which such a command never uses) and closes them afterwards,
 * whatever happens. It says on stderr which store it uses (stdout stays the command's answer,
 * e.g. an API key), and refuses to create a new, empty store unless the command may (`migrate`)
 * or --create-store says so.
 */
export async function withCore<T>(
  fn: (core: CoreRuntime) => Promise<T>,
  opts: Omit<CoreOptions, 'createStore' | 'logger' | 'logsOutages'> & { config?: Partial<MailroomConfig>; mayCreateStore?: boolean; alone?: string } = {},
): Promise<T> {
  const { mayCreateStore, config: overrides, alone, ...coreOpts } = opts;
  const config = loadConfig(process.env, { runWorkers: false, ...(overrides ?? {}) });
  const mayCreate = Boolean(mayCreateStore || cliFlags.createStore);
  // Imported here, not at the top: `--help` and a refused option answer without loading the store.
  const [{ openCore, lockDataDir }, { checkDataDirFiles }] = await Promise.all([import('../app-core.js'), import('../app-data-dir-files.js')]);
  // A one-shot command logs warnings only, unless MAILROOM_LOG_LEVEL says otherwise (the level
  // as the configuration took it: " info" as info, not a pino stack trace).
  const logger = await commandLogger(config, process.env.MAILROOM_LOG_LEVEL?.trim() ? config.logLevel : 'warn', 'stderr');
  if (config.databaseUrl && !mayCreate) await assertPostgresStore(config.databaseUrl);
  // A command that must not run beside a server (`alone`: what to do instead) claims a SQLite data
  // directory as `start` does. Not a directory that does not exist: no server serves it, and
  // claiming it would create it before the store's own "there is no Mailroom data" refusal.
  const release = alone && !config.databaseUrl && existsSync(config.dataDir) ? lockDataDir(config.dataDir, alone) : undefined;
  try {
    // A key file it cannot read stops the command before the migrations, not after them.
    await checkDataDirFiles(config, { relay: false });
    // An outage fails the command, which says so in its own words (reportFailure).
    const core = await openCore(config, { logger, createStore: mayCreate, logsOutages: false, ...coreOpts });
    process.stderr.write(`mailroom: using ${core.database.describe}\n`);
    try {
      return await fn(core);
    } finally {
      await core.close();
    }
  } finally {
    release?.();
  }
}

/**
 * A command's log (src/logger.ts), JSON lines on `json` unless MAILROOM_LOG_FORMAT or a terminal
 * says otherwise. Its first lines name the misspelled variables: logged before anything can
 * fail, they explain the failure they may cause (they used to follow a successful start only,
 * and one-shot commands never logged them).
 */
export async function commandLogger(config: Readonly<MailroomConfig>, level: string, json: 'stdout' | 'stderr'): Promise<Logger> {
  const { createLogger, logDestination } = await import('../logger.js');
  // src/logger.ts reads the format from the environment as written: it is given the word as
  // the configuration took it (JSON as json).
  if (config.logFormat) process.env.MAILROOM_LOG_FORMAT = config.logFormat;
  const logger = createLogger(level, logDestination(json));
  for (const m of config.misspelled ?? []) logger.warn({ variable: m.name, meant: m.meant }, misspellingWarning(m));
  return logger;
}

/**
 * The PostgreSQL side of "no new store unless asked": an empty database (no Mailroom tables)
 * is not migrated into a new store by a one-shot command; a DATABASE_URL pointing at the wrong
 * database would otherwise get a fresh schema and a new secret key. Said like the SQLite case,
 * with the database named by host and name only (never its password).
 */
export async function assertPostgresStore(
  url: string,
  todo = 'set DATABASE_URL to the database `mailroom start` uses, run `mailroom migrate` to create the store there, or add --create-store',
): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch {
    // Unreachable: opening the app reports that in its own words.
    await client.end().catch(() => undefined);
    return;
  }
  try {
    const { rows } = await client.query<{ present: boolean }>("select to_regclass('mailroom_migrations') is not null as present");
    if (rows[0]?.present) return;
  } finally {
    await client.end().catch(() => undefined);
  }
  const where = new URL(url);
  throw new MailroomError(
    ErrorCodes.CONFIG,
    `there is no Mailroom data in PostgreSQL at ${where.host}${where.pathname} (no Mailroom tables): ${todo}`,
  );
}
