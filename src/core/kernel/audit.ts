/**
 * What an entry recorded of its target on one side, as JSON, or null where it records nothing (a
 * create has no `before`, a delete no `after`). Never undefined: the field is on every entry a
 * client reads (a missing one was dropped from the JSON, and the OpenAPI document made it optional).
 */
export type AuditState = object | string | number | boolean | null;

/** One configuration change or notable event, with secrets already redacted. */
export interface AuditEntry {
  id: string;
  at: number;
  actor: string;
  action: string;
  targetType: string;
  targetId: string | null;
  before: AuditState;
  after: AuditState;
  ip: string | null;
}

/** An entry as it is written: a side left out (or undefined) records nothing, read back as null. */
export type NewAuditEntry = Omit<AuditEntry, 'before' | 'after'> & { before?: unknown; after?: unknown };

export interface AuditQuery {
  limit: number;
  cursor?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  actor?: string;
}

/** Who did something: a user, an API key, the CLI or Mailroom itself. */
export interface Actor {
  /** Human-readable and stable: "user:admin@example.com", "apikey:ci (key_…)", "cli", "system". */
  label: string;
  ip: string | null;
}

export const SYSTEM_ACTOR: Actor = { label: 'system', ip: null };

const SECRET_KEY = /pass(word)?|secret|token|private.?key|api.?key|credential/i;
/**
 * Where a secret is fetched or sent, not the secret: an OAuth2 `tokenUrl` names "token" but is an
 * address the admin must be able to read back.
 */
const ADDRESS_KEY = /(url|uri)$/i;

/**
 * An address under a key like `tokenUrl`, shown with what could still be a secret hidden: a
 * user name or password in it, a query or fragment parameter named like a secret
 * (…?access_token=…, …#access_token=…). A value that is not
 * an address at all is judged by its key as any other.
 */
function shownAddress(k: string, v: unknown): unknown {
  if (typeof v !== 'string') return SECRET_KEY.test(k) && v !== null && v !== undefined && typeof v !== 'boolean' ? '[redacted]' : redact(v);
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return SECRET_KEY.test(k) ? '[redacted]' : v;
  }
  const hidden = [...u.searchParams.keys()].filter((name) => SECRET_KEY.test(name));
  // A fragment may carry parameters too (#access_token=…, OAuth2's implicit flow).
  const fragment = new URLSearchParams(u.hash.slice(1));
  const hiddenInFragment = [...fragment.keys()].filter((name) => SECRET_KEY.test(name));
  if (!u.username && !u.password && !hidden.length && !hiddenInFragment.length) return v;
  // A user name alone is as often a token (https://TOKEN@host) as a name: hidden too.
  if (u.username) u.username = 'redacted';
  if (u.password) u.password = 'redacted';
  for (const name of hidden) u.searchParams.set(name, '[redacted]');
  for (const name of hiddenInFragment) fragment.set(name, '[redacted]');
  if (hiddenInFragment.length) u.hash = fragment.toString();
  return u.toString();
}

/**
 * Returns a copy with every secret-looking field replaced by "[redacted]". Applied to every
 * before/after document the audit log stores, whatever its shape.
 */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // passwordSet / passwordRef say whether and where, not what: they stay readable. So does
      // any yes/no (a user's passwordChangeRequired): a boolean holds no secret.
      if (ADDRESS_KEY.test(k)) {
        out[k] = shownAddress(k, v);
      } else if (SECRET_KEY.test(k) && k !== 'passwordSet' && k !== 'passwordRef' && k !== 'passwordSecretId' && v !== null && v !== undefined && typeof v !== 'boolean') {
        out[k] = '[redacted]';
      } else {
        out[k] = redact(v);
      }
    }
    return out;
  }
  return value;
}

/**
 * One value as `redact` shows it under `key`: for what is shown beside the before/after documents
 * (the audit log's names, an address in an answer to a reader) with their secrets hidden alike.
 */
export function redactField(key: string, value: unknown): unknown {
  return (redact({ [key]: value }) as Record<string, unknown>)[key];
}

export interface AuditRepository {
  append(entry: NewAuditEntry): Promise<void>;
  list(query: AuditQuery): Promise<{ items: AuditEntry[]; nextCursor: string | null }>;
  /** The newest entry about `target` whose action is one of `actions`; undefined when there is none. */
  latest(target: { type: string; id: string }, actions: readonly string[]): Promise<AuditEntry | undefined>;
}
