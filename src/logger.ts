import pino, { type Logger } from 'pino';

/**
 * The application log. Redaction is a second line of defence: no code path logs a
 * password on purpose, and these paths catch one that would by accident.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
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
