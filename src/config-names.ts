/**
 * The MAILROOM_* variables Mailroom reads, and the set ones that look like a misspelling of
 * one of them. A misspelled setting is otherwise silently ignored: MAILROOM_REALY_PORT left the
 * relay off, MAILROOM_LOGLEVEL left the level at info, and nothing said so. Only near misses
 * are named: other MAILROOM_* variables may be an installation's own (a password an `env:`
 * reference reads, MAILROOM_URL for the SDK).
 */
export const SETTING_NAMES: readonly string[] = [
  'MAILROOM_DATA_DIR',
  'MAILROOM_HOST',
  'MAILROOM_PORT',
  'MAILROOM_SECRET_KEY',
  'MAILROOM_ADMIN_EMAIL',
  'MAILROOM_ADMIN_PASSWORD',
  'MAILROOM_MAIL_DRIVER',
  'MAILROOM_ALLOW_PRIVATE_HOSTS',
  'MAILROOM_DNS_SERVERS',
  'MAILROOM_LOG_LEVEL',
  'MAILROOM_LOG_FORMAT',
  'MAILROOM_RELAY_PORT',
  'MAILROOM_RELAY_HOST',
  'MAILROOM_RELAY_TLS_PORT',
  'MAILROOM_RELAY_TLS_CERT',
  'MAILROOM_RELAY_TLS_KEY',
  'MAILROOM_LISTEN_URL',
  'MAILROOM_OUTBOX_POLL_MS',
  'MAILROOM_OUTBOX_LEASE_MS',
  'MAILROOM_TRUST_PROXY',
];

/** Each set variable that is no setting but within two edits (or a left-out underscore) of one, with the setting it resembles. */
export function misspelledSettings(env: NodeJS.ProcessEnv, known: readonly string[]): { name: string; meant: string }[] {
  const out: { name: string; meant: string }[] = [];
  for (const name of Object.keys(env)) {
    if (!name.startsWith('MAILROOM_') || known.includes(name)) continue;
    const squeezed = name.replace(/_/g, '');
    const meant = known.find((k) => k.replace(/_/g, '') === squeezed) ?? known.find((k) => withinTwoEdits(name, k));
    if (meant) out.push({ name, meant });
  }
  return out;
}

/** Optimal string alignment distance ≤ 2: insertions, deletions, substitutions, and swaps of neighbours (REALY ↔ RELAY). */
function withinTwoEdits(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 2) return false;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length] <= 2;
}
