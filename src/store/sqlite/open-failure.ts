import { userInfo } from 'node:os';
import { ErrorCodes, MailroomError } from '../../core/kernel/errors.js';

/**
 * Why the SQLite file could not be opened, in the admin's words (MAILROOM_E_CONFIG, naming the
 * file and what to do), for the failures a person causes: a directory or another file under
 * the database's name, a file the service's user may not write, a damaged database. Anything
 * else is returned as it is.
 */
export function sqliteOpenFailure(err: unknown, file: string): unknown {
  const e = err as { code?: string; message?: string };
  const refuse = (why: string) => new MailroomError(ErrorCodes.CONFIG, `cannot open the SQLite database ${file}: ${why}`);
  switch (e.code) {
    case 'EISDIR':
      return refuse('it is a directory, not a database file; move it away, or set MAILROOM_DATA_DIR to the directory that holds mailroom.db');
    case 'EACCES':
    case 'EPERM':
    case 'SQLITE_READONLY':
    case 'SQLITE_CANTOPEN':
      return refuse(`permission denied for user ${userName()}; give this user the file and its directory (chown), or run Mailroom as the user that owns them`);
    case 'SQLITE_NOTADB':
      return refuse('it is not an SQLite database (another file under that name, or a damaged one); restore it from a backup, or move it away to start a new, empty store');
    case 'SQLITE_CORRUPT':
      return refuse(`the database is damaged (${e.message ?? 'malformed'}); restore it from a backup (docs/operations.md, "Backups")`);
    default:
      return err;
  }
}

/** The service's user by name, or by uid where the system has no name for it (a container). */
function userName(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}
