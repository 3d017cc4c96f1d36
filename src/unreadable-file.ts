import { userInfo } from 'node:os';

/**
 * Why a file Mailroom reads at start (the master key, the relay's certificate, a PEM file a
 * variable names) could not be read, and what to do, from the error `readFileSync` threw:
 * "permission denied (EACCES) for user mailroom; …". The callers say which file and for what,
 * as MAILROOM_E_CONFIG, instead of a stack trace (`Error: EACCES … at loadKeyring`). The
 * shape follows the SQLite store's refusals (src/store/sqlite/open-failure.ts).
 */
export function whyUnreadable(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code}) for user ${userName()}; give this user the file and its directory (chown, or chmod so that it may read them), or run Mailroom as the user that owns them`;
    case 'EISDIR':
      return 'it is a directory (EISDIR), not a file; move the directory away and put the file there';
    default:
      return code ?? (err as Error)?.message ?? String(err);
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
