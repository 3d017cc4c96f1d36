import { DuplicateKeyError } from '../core/kernel/errors.js';
import type { Repositories } from '../core/ports.js';

/**
 * Driver errors become the core's typed errors here, by the driver's code and never by its
 * message text (PostgreSQL translates its messages with lc_messages; SQLite's wording is not
 * an interface either).
 */
const UNIQUE_CODES = new Set([
  '23505', // PostgreSQL unique_violation
  'SQLITE_CONSTRAINT_UNIQUE',
  'SQLITE_CONSTRAINT_PRIMARYKEY',
]);

export function translateDriverError(err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && UNIQUE_CODES.has(code)) return new DuplicateKeyError();
  return err;
}

type AnyRepo = Record<string, unknown>;
type Fn = (...args: unknown[]) => Promise<unknown>;

/** Repositories whose every method reports driver errors translated. */
export function translatingRepositories(repos: Repositories): Repositories {
  const out: Record<string, AnyRepo> = {};
  for (const [name, repo] of Object.entries(repos as unknown as Record<string, AnyRepo>)) {
    const wrapped: AnyRepo = {};
    for (const [method, fn] of Object.entries(repo)) {
      wrapped[method] =
        typeof fn === 'function'
          ? (...args: unknown[]) => {
              const result = (fn as Fn).apply(repo, args);
              return result instanceof Promise
                ? result.catch((err: unknown) => {
                    throw translateDriverError(err);
                  })
                : result;
            }
          : fn;
    }
    out[name] = wrapped;
  }
  return out as unknown as Repositories;
}
