import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';

/** Fastify's type for it, which the package does not export by name. */
type ChildLoggerFactory = NonNullable<FastifyServerOptions['childLoggerFactory']>;

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LEVELS: readonly Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * A request's logger, made only when something logs through it. Fastify makes one per request
 * (a pino child with the request id bound, its bindings serialised and redacted): about 1 % of
 * the main thread at a few thousand requests a second, while a request logs only when it fails
 * (request lines are not logged: see server.ts).
 */
export const lazyRequestLogger: ChildLoggerFactory = (logger, bindings, opts) => {
  let child: FastifyBaseLogger | undefined;
  const real = () => (child ??= logger.child(bindings, opts));
  const lazy = {
    get level() {
      return (child ?? logger).level;
    },
    set level(value: string) {
      real().level = value;
    },
    child: (b: Parameters<FastifyBaseLogger['child']>[0], o?: Parameters<FastifyBaseLogger['child']>[1]) => real().child(b, o),
  } as FastifyBaseLogger;
  for (const level of LEVELS) {
    (lazy as unknown as Record<Level, (...args: unknown[]) => void>)[level] = (...args: unknown[]) => (real()[level] as (...a: unknown[]) => void)(...args);
  }
  return lazy;
};
