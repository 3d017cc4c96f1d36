import type { AuditEntry } from '../../api.js';

/** An audit entry's target as a reader knows it: its name or address, and its page while it exists. */
export interface Target {
  /** What the target is: "account", "SMTP credential" … */
  kind: string;
  /** Its name, address or key as it is now (as last recorded once deleted); null when nothing names it. */
  name: string | null;
  /** What this entry recorded it as, when it has been renamed since. */
  was?: string;
  /** Deleted since (the server says so): said so, and not linked. */
  deleted: boolean;
  /** Kept but revoked since (an API key): said so, still linked (its list shows it). */
  revoked: boolean;
  /** Named by its key (a purpose, a template): the key in `names` is this target's, no other item's. */
  keyed: boolean;
  /** Where it is shown; absent once it is deleted and on its removal's entry. */
  to?: string;
}

// Per target type: how it is called, which recorded field names it, and its page.
const KINDS: Record<string, { kind: string; nameField?: string; byId?: boolean; page(id: string | null): string }> = {
  account: { kind: 'account', nameField: 'address', page: (id) => (id ? `/accounts/${id}` : '/accounts') },
  server: { kind: 'server', nameField: 'name', page: (id) => (id ? `/servers/${id}` : '/servers') },
  user: { kind: 'user', nameField: 'email', page: () => '/users' },
  apikey: { kind: 'API key', nameField: 'name', page: () => '/api-keys' },
  rule: { kind: 'rule', nameField: 'name', page: (id) => (id ? `/rules/${id}` : '/rules') },
  webhook: { kind: 'webhook', nameField: 'url', page: (id) => (id ? `/webhooks/${id}` : '/webhooks') },
  template: { kind: 'template', byId: true, page: (id) => (id ? `/templates/${id}` : '/templates') },
  layout: { kind: 'layout', byId: true, page: (id) => (id ? `/templates/layouts/${id}` : '/templates') },
  purpose: { kind: 'purpose', byId: true, page: () => '/routing' },
  settings: { kind: 'settings', byId: true, page: (id) => (id === 'reports' ? '/reports' : '/settings') },
  suppression: { kind: 'suppression', byId: true, page: () => '/suppressions' },
  smtp_credential: { kind: 'SMTP credential', nameField: 'name', page: () => '/smtp-relay' },
  secret: { kind: 'secret', byId: true, page: () => '/secrets' },
  secret_provider: { kind: 'secret provider', nameField: 'name', page: () => '/secrets' },
  dkim: { kind: 'DKIM key', byId: true, page: () => '/domains' },
  message: { kind: 'message', page: (id) => (id ? `/messages/${id}` : '/messages') },
};

const field = (snapshot: unknown, name: string): string | null => {
  const v = snapshot && typeof snapshot === 'object' ? (snapshot as Record<string, unknown>)[name] : undefined;
  return typeof v === 'string' && v ? v : null;
};

/**
 * Names an entry's target as the server named it (`names`: as it is now, or as last recorded once
 * deleted), else from what the entry recorded (the state after, or before a removal); a target
 * named by its key (a purpose, a template) is named by that key, a sign-in's user through the
 * actor ("user:ann@example.com").
 */
export function targetOf(e: AuditEntry): Target {
  const k = KINDS[e.targetType];
  const removed = e.action.endsWith('.delete') || e.action.endsWith('.remove');
  if (!k) return { kind: e.targetType.replace(/_/g, ' '), name: e.targetId, deleted: false, revoked: false, keyed: false };
  const known = e.targetId ? e.names[e.targetId] : undefined;
  const recorded = k.nameField ? (field(e.after, k.nameField) ?? field(e.before, k.nameField)) : null;
  const fromActor = e.targetType === 'user' && e.action.startsWith('session.') ? e.actor.replace(/^(user|login):/, '') : null;
  const name = known?.name ?? recorded ?? (k.byId ? e.targetId : null) ?? fromActor;
  // Only the server knows whether it is gone now; a removal's own entry links nowhere either way.
  const deleted = !!known?.deleted;
  return {
    kind: k.kind,
    name,
    deleted,
    revoked: !!known?.revoked,
    keyed: !!k.byId,
    ...(known && recorded && recorded !== known.name ? { was: recorded } : {}),
    ...(deleted || removed ? {} : { to: k.page(e.targetId) }),
  };
}
