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
    // The nearest setting, not the first within reach: MAILROOM_RELAY_TLS_CRT is one edit from
    // …_TLS_CERT and two from …_TLS_PORT, and a hint to the port would set a port to a file path.
    const meant = known.find((k) => k.replace(/_/g, '') === squeezed) ?? nearest(name, known);
    if (meant) out.push({ name, meant });
  }
  return out;
}

/** The setting fewest edits (at most two) from `name`; of two as near, the first listed. */
function nearest(name: string, known: readonly string[]): string | undefined {
  let best: { name: string; edits: number } | undefined;
  for (const k of known) {
    const edits = editsUpToTwo(name, k);
    if (edits <= 2 && (!best || edits < best.edits)) best = { name: k, edits };
  }
  return best?.name;
}

/** Optimal string alignment distance (insertions, deletions, substitutions, swaps of neighbours: REALY ↔ RELAY); 3 for anything beyond two. */
function editsUpToTwo(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return Math.min(d[a.length][b.length], 3);
}
