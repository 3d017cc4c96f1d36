import { accessSync, constants } from 'node:fs';

/** The sslmode values node-postgres knows; any other it ignores, connecting as if none were given. */
const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'];
/** Parameters node-postgres reads as files when it connects: a missing one failed then, as a store "unavailable". */
const FILE_PARAMETERS = ['sslrootcert', 'sslcert', 'sslkey'];

/**
 * What is wrong with a PostgreSQL URL's TLS parameters (`variable` names it), said at start with
 * the other settings rather than at the first connection: an sslmode node-postgres does not know
 * (it would connect without the TLS the admin asked for) and a certificate or key file it cannot
 * read (reported as MAILROOM_E_STORE_UNAVAILABLE with ENOENT, naming no parameter).
 */
export function postgresTlsProblems(variable: string, url: URL): string[] {
  const problems: string[] = [];
  const mode = url.searchParams.get('sslmode');
  if (mode !== null && !SSL_MODES.includes(mode)) {
    problems.push(`${variable}: sslmode=${mode.slice(0, 40)} is not one of ${SSL_MODES.join(', ')} (node-postgres would ignore it)`);
  }
  for (const p of FILE_PARAMETERS) {
    const file = url.searchParams.get(p);
    if (file === null) continue;
    try {
      accessSync(file, constants.R_OK);
    } catch (err) {
      problems.push(`${variable}: ${p}=${file.slice(0, 200)} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); give the path of a PEM file this user may read`);
    }
  }
  return problems;
}
