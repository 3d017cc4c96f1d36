import { parseMailbox, type Mailbox } from '../kernel/addresses.js';
import { invalid } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import { arr, doc, instant, onlyKeys, str } from '../kernel/validate.js';
import { localeTag } from '../templates/locales.js';
import { templateData } from '../templates/templates.js';
import { eventType } from './event-types.js';

/**
 * An event an application raises (`POST /events`): what happened (`type`, `data`), when, and
 * who holds each role in it (`recipients.owner`, `recipients.approver` …). Rules name roles;
 * the event says who they are.
 */
export interface NotifyEvent {
  id: string;
  type: string;
  occurredAt: number;
  data: Record<string, unknown>;
  /** Role → the people holding it, each address parsed once here. */
  recipients: Record<string, Mailbox[]>;
  locale: string | null;
}

/**
 * docs/events.md states these. An event's data is smaller than a message's (1 MiB, 32 levels):
 * it is stored with the event, shown in the events list and judged by every rule's conditions.
 */
export const EVENT_LIMITS = { idChars: 200, roles: 20, perRole: 100, dataBytes: 64 * 1024, dataDepth: 20 } as const;
const EVENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:@/+=-]*$/;
const ROLE = /^[a-z][a-z0-9_-]{0,63}$/;

export const EVENT_FIELDS = ['type', 'id', 'occurredAt', 'data', 'recipients', 'locale'] as const;

export function eventId(field: string, v: unknown): string {
  const s = str(field, v, { max: EVENT_LIMITS.idChars });
  if (!EVENT_ID.test(s)) throw invalid(field, 'must be letters, digits and . _ : @ / + = - (starting with a letter or digit), e.g. "access-request-42:created"');
  return s;
}

export function roleName(field: string, v: unknown): string {
  const s = str(field, v, { max: 64 });
  if (!ROLE.test(s)) throw invalid(field, `"${s}" is not a role name: lower-case letters, digits, "_" and "-", starting with a letter (e.g. "approver")`);
  return s;
}

function roles(v: unknown): Record<string, Mailbox[]> {
  if (v === undefined || v === null) return {};
  const d = doc('recipients', v);
  const names = Object.keys(d);
  if (names.length > EVENT_LIMITS.roles) throw invalid('recipients', `at most ${EVENT_LIMITS.roles} roles`);
  const out: Record<string, Mailbox[]> = {};
  for (const name of names) {
    // The role's path in the body; a key far longer than any role name is not echoed whole.
    const field = `recipients.${name.length > 100 ? `${name.slice(0, 100)}…` : name}`;
    roleName(field, name);
    const raw = d[name];
    if (Array.isArray(raw) && raw.length > EVENT_LIMITS.perRole) throw invalid(field, `at most ${EVENT_LIMITS.perRole} addresses per role (this one has ${raw.length})`);
    // One address given as a string is named by the role's path, not "[0]" of a list never sent.
    if (typeof raw === 'string') {
      out[name] = [parseMailbox(field, str(field, raw, { max: 320 }))];
      continue;
    }
    const list = arr(field, raw, EVENT_LIMITS.perRole);
    out[name] = list.map((a, i) => parseMailbox(`${field}[${i}]`, str(`${field}[${i}]`, a, { max: 320 })));
  }
  return out;
}

/** Validates an event; one without an id gets Mailroom's (then it cannot be deduplicated by the sender). */
export function parseEvent(input: unknown, now: number): NotifyEvent {
  const d = doc('event', input);
  onlyKeys('event', d, EVENT_FIELDS);
  if (d.type === undefined) throw invalid('type', 'is required (e.g. "access.request.created")');
  return {
    id: d.id === undefined || d.id === null ? newId('evt', now) : eventId('id', d.id),
    type: eventType('type', d.type),
    occurredAt: instant('occurredAt', d.occurredAt) ?? now,
    data: templateData('data', d.data, { bytes: EVENT_LIMITS.dataBytes, depth: EVENT_LIMITS.dataDepth }),
    recipients: roles(d.recipients),
    locale: d.locale === undefined || d.locale === null ? null : localeTag('locale', d.locale),
  };
}

/** The event as conditions see it: the fields rules may name, roles as plain address lists. */
export function conditionView(e: NotifyEvent): Record<string, unknown> {
  const recipients: Record<string, string[]> = {};
  for (const [role, list] of Object.entries(e.recipients)) recipients[role] = list.map((m) => m.address);
  return { type: e.type, id: e.id, locale: e.locale, occurredAt: new Date(e.occurredAt).toISOString(), data: e.data, recipients };
}
