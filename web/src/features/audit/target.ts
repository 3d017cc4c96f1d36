import type { AuditEntry } from '../../api.js';

/** An audit entry's target as a reader knows it: its name or address, and its page while it exists. */
export interface Target {
  /** What the target is: "account", "SMTP credential" … */
  kind: string;
  /** Its name, address or key; null when the entry recorded only an id nobody reads. */
  name: string | null;
  /** Where it is shown; absent after its removal. */
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
 * Names an entry's target from what the entry recorded (the state after, or before a removal),
 * or from `known` (names of targets that exist now, by type and id); a sign-in names its user
 * through the actor ("user:ann@example.com").
 */
export function targetOf(e: AuditEntry, known: (type: string, id: string) => string | undefined): Target {
  const k = KINDS[e.targetType];
  if (!k) return { kind: e.targetType.replace(/_/g, ' '), name: e.targetId };
  const recorded = k.nameField ? (field(e.after, k.nameField) ?? field(e.before, k.nameField)) : null;
  const fromActor = e.targetType === 'user' && e.action.startsWith('session.') ? e.actor.replace(/^(user|login):/, '') : null;
  const name = recorded ?? (e.targetId ? (known(e.targetType, e.targetId) ?? (k.byId ? e.targetId : null)) : null) ?? fromActor;
  const removed = e.action.endsWith('.delete') || e.action.endsWith('.remove');
  return { kind: k.kind, name, ...(removed ? {} : { to: k.page(e.targetId) }) };
}
