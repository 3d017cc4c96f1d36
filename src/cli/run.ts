import { isMailroomError } from '../core/kernel/errors.js';
import { createApp, type App, type AppOptions } from '../app.js';
import { loadConfig, type MailroomConfig } from '../config.js';
import { createLogger } from '../logger.js';

/** Prints a failure the way an operator needs it: the code and what to do, no stack trace. */
export function reportFailure(err: unknown): never {
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
 * Opens the app for a one-shot command and closes it afterwards, whatever happens. It says on
 * stderr which store it uses (stdout stays the command's answer, e.g. an API key), and refuses
 * to create a new, empty store unless the command may (`migrate`) or --create-store says so.
 */
export async function withApp<T>(fn: (app: App) => Promise<T>, opts: AppOptions & { config?: Partial<MailroomConfig>; mayCreateStore?: boolean } = {}): Promise<T> {
  const { mayCreateStore, config: overrides, ...appOpts } = opts;
  const config = loadConfig(process.env, { runWorkers: false, ...(overrides ?? {}) });
  const app = await createApp(config, { logger: createLogger(process.env.MAILROOM_LOG_LEVEL || 'warn'), createStore: Boolean(mayCreateStore || cliFlags.createStore), ...appOpts });
  process.stderr.write(`mailroom: using ${app.describeStorage}\n`);
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}
