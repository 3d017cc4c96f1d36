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

/** Opens the app for a one-shot command and closes it afterwards, whatever happens. */
export async function withApp<T>(fn: (app: App) => Promise<T>, opts: AppOptions & { config?: Partial<MailroomConfig> } = {}): Promise<T> {
  const config = loadConfig(process.env, { runWorkers: false, ...(opts.config ?? {}) });
  const app = await createApp(config, { logger: createLogger(process.env.MAILROOM_LOG_LEVEL || 'warn'), ...opts });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}
