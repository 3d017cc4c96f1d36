import type { Repositories } from '../ports.js';
import { redactField, type AuditEntry } from './audit.js';
import { secretRefIn } from './audit-references.js';

/** An item an audit entry shows by id (or key), as a reader knows it. */
export interface AuditName {
  /** Its name, address or email now; once deleted, as its audit history last recorded it; a key-named item's key. */
  name: string;
  deleted: boolean;
  /** Still kept but switched off for good (a revoked API key): not deleted, and not working either. */
  revoked: boolean;
}

/** An audit entry with every id it shows (its target, ids inside before/after) named, where anything names it. */
export interface NamedAuditEntry extends AuditEntry {
  names: Record<string, AuditName>;
}

interface NamedKind {
  /** The entries' targetType for this kind. */
  type: string;
  /** The field of the item (and of its recorded snapshots) that names it. */
  field: string;
  /** Actions whose before/after record the whole item, so the field is there. */
  actions: readonly string[];
  current(repos: Repositories, id: string): Promise<object | undefined>;
  /** Whether the item, kept, is revoked (API keys are kept when revoked, for their history). */
  revoked?(item: object): boolean;
}

const whole = (type: string, ...more: string[]) => [`${type}.create`, `${type}.update`, `${type}.delete`, ...more];

// Ids carry their kind as a prefix (kernel/ids.ts), so an id inside a change ("accountIds") is
// named the same way as an entry's target. Kinds named by their key are in KEYED below.
const KINDS: Record<string, NamedKind> = {
  acc: { type: 'account', field: 'address', actions: whole('account'), current: (r, id) => r.accounts.get(id) },
  srv: { type: 'server', field: 'name', actions: whole('server'), current: (r, id) => r.servers.get(id) },
  usr: { type: 'user', field: 'email', actions: whole('user', 'user.password_reset', 'user.password_change', 'user.profile_update'), current: (r, id) => r.users.get(id) },
  key: {
    type: 'apikey',
    field: 'name',
    actions: ['apikey.create', 'apikey.revoke'],
    current: (r, id) => r.apiKeys.get(id),
    revoked: (k) => (k as { revokedAt?: number | null }).revokedAt != null,
  },
  rul: { type: 'rule', field: 'name', actions: whole('rule'), current: (r, id) => r.rules.get(id) },
  smc: { type: 'smtp_credential', field: 'name', actions: whole('smtp_credential'), current: (r, id) => r.smtpCredentials.get(id) },
  spv: { type: 'secret_provider', field: 'name', actions: whole('secret_provider'), current: (r, id) => r.secretProviders.get(id) },
  whk: { type: 'webhook', field: 'url', actions: whole('webhook'), current: (r, id) => r.webhookEndpoints.get(id) },
};

/**
 * Kinds named by their key (the entry's targetId is the key, and it is their name): only whether
 * they still exist is looked up. Per target type, as the entries record it.
 */
const KEYED: Record<string, (repos: Repositories, key: string) => Promise<object | undefined>> = {
  purpose: (r, k) => r.purposes.get(k),
  template: (r, k) => r.templates.get(k),
  layout: (r, k) => r.layouts.get(k),
  suppression: (r, k) => r.suppressions.get(k),
  dkim: (r, k) => r.dkimKeys.get(k),
  secret: (r, k) => r.namedSecrets.get(k),
};

const ID = /^([a-z]{3})_[0-9a-z]{26}$/;
const kindOf = (id: string): NamedKind | undefined => KINDS[ID.exec(id)?.[1] ?? ''];

/** How one thing an entry shows is named: `key` identifies the lookup across a page (a template and a purpose may share a key). */
interface Wanted {
  key: string;
  find(repos: Repositories): Promise<AuditName | undefined>;
}

const byId = (id: string): Wanted => ({ key: id, find: (r) => nameOf(r, id) });
const byKey = (type: string, key: string, shown: string): Wanted => ({
  key: `${type}:${key}`,
  find: async (r) => ({ name: shown, deleted: !(await KEYED[type](r, key)), revoked: false }),
});

/**
 * What an entry shows that can be named, by the text it shows: its target (by id, or by key for
 * KEYED kinds), every id inside before/after, and inside a secret reference the provider it reads
 * through (by id) or the internal secret it reads (the reference itself, e.g. "internal:relay").
 * A key inside before/after is not looked up: keys of different kinds may be equal (the template
 * `password_reset` of the purpose `password_reset`), so a bare key says nothing certain.
 */
function wantedIn(e: AuditEntry): Map<string, Wanted> {
  const out = new Map<string, Wanted>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      if (kindOf(v)) out.set(v, byId(v));
      const ref = secretRefIn(v);
      if (ref?.providerId && kindOf(ref.providerId)) out.set(ref.providerId, byId(ref.providerId));
      if (ref?.internal) out.set(v, byKey('secret', ref.internal, v));
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(e.before);
  walk(e.after);
  if (e.targetId && kindOf(e.targetId)) out.set(e.targetId, byId(e.targetId));
  else if (e.targetId && KEYED[e.targetType]) out.set(e.targetId, byKey(e.targetType, e.targetId, e.targetId));
  return out;
}

/**
 * The field that names an item, as the entries' before/after show it (redact): a webhook's URL
 * with a secret in its query (`?token=…`) hidden, whether read from the item now or from its
 * history. Every reader of the audit log reads `names` too.
 */
const fieldOf = (snapshot: unknown, field: string): string | undefined => {
  const v = snapshot && typeof snapshot === 'object' ? (snapshot as Record<string, unknown>)[field] : undefined;
  if (typeof v !== 'string' || !v) return undefined;
  const shown = redactField(field, v);
  return typeof shown === 'string' ? shown : undefined;
};

/**
 * The item's name now or, once it is gone, from its newest audit entry that recorded it whole
 * (its deletion's before, usually): the audit log is the only place a deleted item's name lives,
 * so entries written before this existed are named too. Undefined when nothing names it.
 */
async function nameOf(repos: Repositories, id: string): Promise<AuditName | undefined> {
  const kind = kindOf(id);
  if (!kind) return undefined;
  const item = await kind.current(repos, id);
  const now = fieldOf(item, kind.field);
  if (item && now) return { name: now, deleted: false, revoked: kind.revoked?.(item) ?? false };
  const last = await repos.audit.latest({ type: kind.type, id }, kind.actions);
  const recorded = last && (fieldOf(last.after, kind.field) ?? fieldOf(last.before, kind.field));
  return recorded ? { name: recorded, deleted: true, revoked: false } : undefined;
}

/** Names what a page of audit entries shows; each item is looked up once per page. */
export async function withNames(repos: Repositories, entries: AuditEntry[]): Promise<NamedAuditEntry[]> {
  const perEntry = entries.map(wantedIn);
  const lookups = new Map<string, Wanted>();
  for (const wanted of perEntry) for (const w of wanted.values()) lookups.set(w.key, w);
  const found = new Map<string, AuditName>();
  await Promise.all(
    [...lookups.values()].map(async (w) => {
      const n = await w.find(repos);
      if (n) found.set(w.key, n);
    }),
  );
  return entries.map((e, i) => {
    const names: Record<string, AuditName> = {};
    for (const [shown, w] of perEntry[i]) {
      const n = found.get(w.key);
      if (n) names[shown] = n;
    }
    return { ...e, names };
  });
}
