import pino, { type Logger } from 'pino';
import { prettyLines } from './log-format.js';

/**
 * Where the log goes when nobody says: on a terminal, readable lines on stderr (so they never
 * mix into what a command prints on stdout, like the start banner); otherwise JSON lines, for
 * log collectors: on stdout for a server, on stderr for a one-shot command, whose stdout is its
 * answer (`KEY=$(mailroom apikey create …)` must capture the key alone, also when the command
 * applies migrations and logs so). MAILROOM_LOG_FORMAT=json|pretty decides the format explicitly.
 */
export function logDestination(json: 'stdout' | 'stderr' = 'stdout'): pino.DestinationStream | undefined {
  const format = process.env.MAILROOM_LOG_FORMAT;
  const pretty = format === 'pretty' || (format !== 'json' && process.stderr.isTTY === true);
  if (pretty) return prettyLines(process.stderr, process.stderr.isTTY === true && !process.env.NO_COLOR);
  return json === 'stderr' ? pino.destination({ fd: 2, sync: true }) : undefined;
}

/**
 * The application log. Redaction is a second line of defence: no code path logs a
 * password on purpose, and these paths catch one that would by accident.
 */
export function createLogger(level: string, destination: pino.DestinationStream | undefined = logDestination()): Logger {
  return pino(
    {
      level,
      base: { service: 'mailroom' },
      redact: {
        paths: ['password', '*.password', '*.*.password', 'auth.pass', '*.auth.pass', 'req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie', 'key', 'apiKey', 'secret', '*.secret'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

export type { Logger };
