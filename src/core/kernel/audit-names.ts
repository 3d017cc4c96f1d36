import type { Repositories } from '../ports.js';
import type { AuditEntry } from './audit.js';

/** An item an audit entry shows by id, as a reader knows it. */
export interface AuditName {
  /** Its name, address or email now; once deleted, as its audit history last recorded it. */
  name: string;
  deleted: boolean;
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
}

const whole = (type: string, ...more: string[]) => [`${type}.create`, `${type}.update`, `${type}.delete`, ...more];

// Ids carry their kind as a prefix (kernel/ids.ts), so an id inside a change ("accountIds") is
// named the same way as an entry's target. Kinds named by their key (purposes, templates) need nothing.
const KINDS: Record<string, NamedKind> = {
  acc: { type: 'account', field: 'address', actions: whole('account'), current: (r, id) => r.accounts.get(id) },
  srv: { type: 'server', field: 'name', actions: whole('server'), current: (r, id) => r.servers.get(id) },
  usr: { type: 'user', field: 'email', actions: whole('user', 'user.password_reset', 'user.password_change', 'user.profile_update'), current: (r, id) => r.users.get(id) },
  key: { type: 'apikey', field: 'name', actions: ['apikey.create', 'apikey.revoke'], current: (r, id) => r.apiKeys.get(id) },
  rul: { type: 'rule', field: 'name', actions: whole('rule'), current: (r, id) => r.rules.get(id) },
  smc: { type: 'smtp_credential', field: 'name', actions: whole('smtp_credential'), current: (r, id) => r.smtpCredentials.get(id) },
  spv: { type: 'secret_provider', field: 'name', actions: whole('secret_provider'), current: (r, id) => r.secretProviders.get(id) },
  whk: { type: 'webhook', field: 'url', actions: whole('webhook'), current: (r, id) => r.webhookEndpoints.get(id) },
};

const ID = /^([a-z]{3})_[0-9a-z]{26}$/;
const kindOf = (id: string): NamedKind | undefined => KINDS[ID.exec(id)?.[1] ?? ''];

/** Every id of a named kind in an entry: its target and any string inside before/after. */
function idsIn(e: AuditEntry): Set<string> {
  const ids = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      if (kindOf(v)) ids.add(v);
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(e.targetId);
  walk(e.before);
  walk(e.after);
  return ids;
}

const fieldOf = (snapshot: unknown, field: string): string | undefined => {
  const v = snapshot && typeof snapshot === 'object' ? (snapshot as Record<string, unknown>)[field] : undefined;
  return typeof v === 'string' && v ? v : undefined;
};

/**
 * The item's name now or, once it is gone, from its newest audit entry that recorded it whole
 * (its deletion's before, usually): the audit log is the only place a deleted item's name lives,
 * so entries written before this existed are named too. Undefined when nothing names it.
 */
async function nameOf(repos: Repositories, id: string): Promise<AuditName | undefined> {
  const kind = kindOf(id);
  if (!kind) return undefined;
  const now = fieldOf(await kind.current(repos, id), kind.field);
  if (now) return { name: now, deleted: false };
  const last = await repos.audit.latest({ type: kind.type, id }, kind.actions);
  const recorded = last && (fieldOf(last.after, kind.field) ?? fieldOf(last.before, kind.field));
  return recorded ? { name: recorded, deleted: true } : undefined;
}

/** Names the ids a page of audit entries shows; each id is looked up once per page. */
export async function withNames(repos: Repositories, entries: AuditEntry[]): Promise<NamedAuditEntry[]> {
  const perEntry = entries.map(idsIn);
  const all = [...new Set(perEntry.flatMap((ids) => [...ids]))];
  const found = new Map<string, AuditName>();
  await Promise.all(
    all.map(async (id) => {
      const n = await nameOf(repos, id);
      if (n) found.set(id, n);
    }),
  );
  return entries.map((e, i) => {
    const names: Record<string, AuditName> = {};
    for (const id of perEntry[i]) {
      const n = found.get(id);
      if (n) names[id] = n;
    }
    return { ...e, names };
  });
}
