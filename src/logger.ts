import pino, { type Logger } from 'pino';
import { prettyLines } from './log-format.js';

/**
 * Where the log goes when nobody says: on a terminal, readable lines on stderr (so they never
 * mix into what a command prints on stdout, like the start banner); otherwise JSON lines on
 * stdout, for log collectors. MAILROOM_LOG_FORMAT=json|pretty decides explicitly.
 */
function defaultDestination(): pino.DestinationStream | undefined {
  const format = process.env.MAILROOM_LOG_FORMAT;
  const pretty = format === 'pretty' || (format !== 'json' && process.stderr.isTTY === true);
  return pretty ? prettyLines(process.stderr, process.stderr.isTTY === true && !process.env.NO_COLOR) : undefined;
}

/**
 * The application log. Redaction is a second line of defence: no code path logs a
 * password on purpose, and these paths catch one that would by accident.
 */
export function createLogger(level: string, destination: pino.DestinationStream | undefined = defaultDestination()): Logger {
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
