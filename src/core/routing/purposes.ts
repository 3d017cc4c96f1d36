import { ErrorCodes, invalid, MailroomError } from '../kernel/errors.js';
import { arr, bool, doc, int, onlyKeys, optLabel, str } from '../kernel/validate.js';
import type { MessageEvent } from '../kernel/message-events.js';

/**
 * A purpose is one application feature that sends mail (password reset, report …). It decides
 * which accounts send that mail, how urgent it is, how long it may wait, and whether the
 * global CC/BCC copies apply.
 */
export interface Purpose {
  key: string;
  builtin: boolean;
  description: string | null;
  enabled: boolean;
  /** Ordered: the first active one sends; a transient failure moves to the next. */
  accountIds: string[];
  /** 0–100, higher is delivered sooner. */
  priority: number;
  /** Default expiry of its messages; null: the server's retry policy decides. */
  expireAfterSec: number | null;
  globalCopies: boolean;
  createdAt: number;
  updatedAt: number;
  version: number;
}

export type PurposeConfig = Pick<Purpose, 'description' | 'enabled' | 'accountIds' | 'priority' | 'expireAfterSec' | 'globalCopies'>;

type Builtin = Omit<PurposeConfig, 'accountIds' | 'enabled'>;

// Codes and resets go first and expire fast; a stale two-factor code is worse than none.
// Copies to a global BCC are off where the mail carries a secret (codes, links, resets).
export const BUILTIN_PURPOSES: Readonly<Record<string, Builtin>> = {
  two_factor: { description: 'Two-factor sign-in codes', priority: 100, expireAfterSec: 600, globalCopies: false },
  password_reset: { description: 'Password reset links', priority: 90, expireAfterSec: null, globalCopies: false },
  magic_link: { description: 'Sign-in links', priority: 90, expireAfterSec: null, globalCopies: false },
  alert: { description: 'Alerts and incident notifications', priority: 80, expireAfterSec: null, globalCopies: true },
  access_request: { description: 'Access requests to approve', priority: 60, expireAfterSec: null, globalCopies: true },
  invitation: { description: 'Invitations to join', priority: 50, expireAfterSec: null, globalCopies: true },
  contact_autoreply: { description: 'Automatic replies to the contact form', priority: 40, expireAfterSec: null, globalCopies: true },
  test: { description: 'Test messages sent by admins', priority: 50, expireAfterSec: null, globalCopies: false },
  report: { description: 'Scheduled reports', priority: 10, expireAfterSec: null, globalCopies: true },
};

export const DEFAULT_PRIORITY = 50;
/**
 * From this priority a message is urgent (two_factor, password_reset, magic_link as built): a
 * dispatcher whose every slot is taken still claims it, into a small reserve of slots.
 */
export const URGENT_PRIORITY = 90;

/**
 * Whether new outbox work may be urgent: a bulk message accepted needs a free slot anyway, and
 * waits for the next gathered claim; anything else may be urgent (a retried message, whose
 * purpose the event does not carry).
 */
export function mayBeUrgent(e: MessageEvent): boolean {
  return !(e.type === 'message.accepted' && e.priority < URGENT_PRIORITY);
}

export function isBuiltinPurpose(key: string): boolean {
  return Object.prototype.hasOwnProperty.call(BUILTIN_PURPOSES, key);
}

/** A built-in purpose as it is before any admin touched it. */
export function builtinPurpose(key: string, now: number): Purpose {
  const b = BUILTIN_PURPOSES[key];
  if (!b) throw new Error(`not a built-in purpose: ${key}`);
  return { key, builtin: true, enabled: true, accountIds: [], ...b, createdAt: now, updatedAt: now, version: 1 };
}

/** Human wording for messages: "two_factor" → "two factor". */
export function purposeLabel(key: string): string {
  return key.replace(/[_-]+/g, ' ');
}

const KEY = /^[a-z][a-z0-9_]{1,63}$/;

export function purposeKey(field: string, v: unknown): string {
  const key = str(field, v, { max: 64 });
  if (!KEY.test(key)) throw invalid(field, 'must be 2–64 characters: lower-case letters, digits and "_", starting with a letter (e.g. "weekly_digest")');
  return key;
}

export const PURPOSE_FIELDS = ['description', 'enabled', 'accountIds', 'priority', 'expireAfterSec', 'globalCopies'] as const;

/** Validates a purpose as created (no prev; key included) or replaced/patched (given fields replace prev's). */
export function normalizePurposeConfig(input: unknown, prev?: PurposeConfig, extraKeys: readonly string[] = []): PurposeConfig {
  const d = doc('purpose', input);
  onlyKeys('purpose', d, [...PURPOSE_FIELDS, 'version', ...extraKeys]);
  const pick = <K extends keyof PurposeConfig>(k: K, fn: (v: unknown) => PurposeConfig[K], dflt: PurposeConfig[K]): PurposeConfig[K] =>
    d[k] === undefined ? (prev ? prev[k] : dflt) : fn(d[k]);
  return {
    // One line, as a webhook's and a secret's description: it is shown in lists and audit entries.
    description: pick('description', (v) => optLabel('description', v, 500), null),
    enabled: pick('enabled', (v) => bool('enabled', v), true),
    accountIds: pick(
      'accountIds',
      (v) => {
        const ids = arr('accountIds', v, 20).map((x, i) => str(`accountIds[${i}]`, x, { max: 40 }));
        if (new Set(ids).size !== ids.length) throw invalid('accountIds', 'lists an account twice; each account may appear once in the failover order');
        return ids;
      },
      [],
    ),
    priority: pick('priority', (v) => int('priority', v, 0, 100), DEFAULT_PRIORITY),
    expireAfterSec: pick('expireAfterSec', (v) => (v === null ? null : int('expireAfterSec', v, 60, 30 * 86_400)), null),
    globalCopies: pick('globalCopies', (v) => bool('globalCopies', v), false),
  };
}

export function unknownPurpose(key: string): MailroomError {
  return new MailroomError(
    ErrorCodes.UNKNOWN_PURPOSE,
    `purpose "${key}" does not exist: use a built-in purpose (${Object.keys(BUILTIN_PURPOSES).join(', ')}) or ask an admin to create it (POST /api/v1/purposes)`,
    // Every write that names a purpose names it in a field called `purpose` (a message, a template, a rule, an SMTP credential).
    { field: 'purpose', purpose: key },
  );
}

export function purposeDisabled(key: string): MailroomError {
  return new MailroomError(ErrorCodes.PURPOSE_DISABLED, `${purposeLabel(key)} mail is switched off (purpose "${key}"); an admin can switch the purpose on under Routing (PATCH /api/v1/purposes/${key} with enabled: true)`, { purpose: key });
}
