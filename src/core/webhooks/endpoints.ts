import { randomBytes } from 'node:crypto';
import { ErrorCodes, invalid, MailroomError } from '../kernel/errors.js';
import { hasControlChars, hasHeaderUnsafeChars } from '../kernel/header-safety.js';
import { bool, doc, int, onlyKeys, str } from '../kernel/validate.js';
import { requireVersion } from '../kernel/versioning.js';
import { autoDisableAt } from './attempt-outcome.js';
import { parseEventFilter, type WebhookEventType } from './event-types.js';
import type { DeliveryCounts, StoredEndpoint } from './ports.js';

/** Standard Webhooks secrets: `whsec_` and the base64 of the key (32 random bytes here). */
export const SECRET_PREFIX = 'whsec_';
export const newWebhookSecret = (): string => `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;

export const URL_MAX_CHARS = 2_000;
/** How long the previous secret keeps signing after a rotation, unless the rotation says otherwise. */
export const DEFAULT_ROTATION_GRACE_SEC = 24 * 3600;
export const MAX_ROTATION_GRACE_SEC = 7 * 24 * 3600;

/** How an endpoint is doing, as the list and the admin page show it. */
export interface EndpointHealth {
  /** idle: nothing delivered yet; healthy: the last attempt succeeded; failing: attempts fail; disabled: switched off. */
  state: 'idle' | 'healthy' | 'failing' | 'disabled';
  consecutiveFailures: number;
  /** When the current failing streak began. */
  firstFailureAt: number | null;
  lastFailureAt: number | null;
  lastSuccessAt: number | null;
  /** When Mailroom switches it off if every attempt keeps failing until then. */
  autoDisableAt: number | null;
  /** Deliveries waiting for an attempt. */
  pending: number;
  succeededLast24h: number;
  failedLast24h: number;
}

/** An endpoint as the API shows it: never its secret. */
export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string | null;
  events: WebhookEventType[];
  enabled: boolean;
  /** Why Mailroom switched it off (410 Gone, a long failing streak); null when on, or an admin switched it off. */
  disabledReason: string | null;
  disabledAt: number | null;
  /** Until then the previous secret signs too (after a rotation); null when there is one secret. */
  rotationEndsAt: number | null;
  health: EndpointHealth;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
  version: number;
}

export function publicEndpoint(e: StoredEndpoint, counts: DeliveryCounts, now: number): WebhookEndpoint {
  const failing = e.consecutiveFailures > 0;
  const state = !e.enabled ? 'disabled' : failing ? 'failing' : e.lastSuccessAt !== null ? 'healthy' : 'idle';
  return {
    id: e.id,
    url: e.url,
    description: e.description,
    events: e.events,
    enabled: e.enabled,
    disabledReason: e.disabledReason,
    disabledAt: e.disabledAt,
    rotationEndsAt: e.rotationEndsAt !== null && e.rotationEndsAt > now ? e.rotationEndsAt : null,
    health: {
      state,
      consecutiveFailures: e.consecutiveFailures,
      firstFailureAt: e.firstFailureAt,
      lastFailureAt: e.lastFailureAt,
      lastSuccessAt: e.lastSuccessAt,
      autoDisableAt: autoDisableAt(e),
      pending: counts.pending,
      succeededLast24h: counts.succeeded,
      failedLast24h: counts.failed,
    },
    createdBy: e.createdBy,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
    version: e.version,
  };
}

/**
 * The receiver's URL: http or https, a host, no credentials (they would be shown to every
 * reader and written to the audit log; the signature is what authenticates Mailroom) and no
 * fragment (it is never sent). CR, LF and NUL are refused before parsing: the URL parser
 * would silently drop them, and the host reaches the request's Host header. Spaces around the
 * URL (a paste) are dropped; a line break or a tab at its end is refused like one inside it, so
 * a client that builds the value wrongly (a line read with its newline) is told.
 */
export function webhookUrl(field: string, v: unknown): URL {
  const given = str(field, v, { max: URL_MAX_CHARS });
  const s = given.replace(/^ +| +$/g, '');
  if (hasHeaderUnsafeChars(given)) throw new MailroomError(ErrorCodes.HEADER_INJECTION, `${field} contains a line break or NUL character, which cannot be part of a URL`, { field });
  if (/\s/.test(s) || hasControlChars(s)) throw invalid(field, 'must not contain spaces or control characters (percent-encode them)');
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw invalid(field, `"${s}" is not an absolute URL (https://receiver.example.com/hooks/mailroom)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid(field, `must be an http:// or https:// URL, not ${url.protocol}`);
  if (!url.hostname) throw invalid(field, 'must name a host');
  if (url.username || url.password) throw invalid(field, 'must not carry a user name or password: the URL is shown to every reader and in the audit log; the signature authenticates Mailroom');
  if (url.hash) throw invalid(field, 'must not have a #fragment: it is never sent to the receiver');
  return url;
}

export interface EndpointInput {
  url?: URL;
  description?: string | null;
  events?: WebhookEventType[];
  enabled?: boolean;
  version?: number;
}

/** Validates a create (`partial: false`: url and events required) or an update (`version` required). */
export function parseEndpointInput(input: unknown, opts: { partial: boolean }): EndpointInput {
  const d = doc('webhook', input);
  onlyKeys('webhook', d, opts.partial ? ['url', 'description', 'events', 'enabled', 'version'] : ['url', 'description', 'events', 'enabled']);
  if (!opts.partial && d.url === undefined) throw invalid('url', 'is required');
  if (!opts.partial && d.events === undefined) throw invalid('events', 'is required');
  const out: EndpointInput = {};
  if (d.url !== undefined) out.url = webhookUrl('url', d.url);
  if (d.events !== undefined) out.events = parseEventFilter('events', d.events);
  if (d.enabled !== undefined) out.enabled = bool('enabled', d.enabled);
  if (d.description !== undefined) {
    const text = d.description === null ? '' : str('description', d.description, { min: 0, max: 200 }).trim();
    if (hasControlChars(text)) throw invalid('description', 'must be one line of text, without control characters');
    out.description = text || null;
  }
  if (opts.partial) out.version = requireVersion(d);
  return out;
}

/** `{ graceSec? }` of a rotation: how long the previous secret keeps signing (0: not at all). */
export function parseRotation(input: unknown): { graceSec: number } {
  const d = doc('rotation', input ?? {});
  onlyKeys('rotation', d, ['graceSec']);
  return { graceSec: d.graceSec === undefined ? DEFAULT_ROTATION_GRACE_SEC : int('graceSec', d.graceSec, 0, MAX_ROTATION_GRACE_SEC) };
}
