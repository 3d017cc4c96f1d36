import { asciiDomain, parseMailbox } from '../kernel/addresses.js';
import { isMailroomError } from '../kernel/errors.js';
import { invalid, notAllowed } from '../kernel/errors.js';
import { foreignCursor } from '../kernel/ids.js';
import { parseInstant } from '../kernel/instants.js';
import { doc, onlyKeys, optStr, str } from '../kernel/validate.js';

/**
 * Why an address is on the suppression list. `hard_bounce`: a 5.x.x delivery status
 * notification; `soft_bounce`: too many 4.x.x ones within the window; `complaint`: the
 * recipient reported the mail as abuse (ARF); `manual`: an admin put it there.
 */
export const SUPPRESSION_REASONS = ['hard_bounce', 'soft_bounce', 'complaint', 'manual'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

export interface Suppression {
  /** Lower-cased: the list matches an address whatever case a later send writes it in. */
  address: string;
  reason: SuppressionReason;
  /** The bounce's status and diagnostic, or the admin's note. */
  detail: string | null;
  /** The inbound message (bounce, complaint) that put it there. */
  sourceMessageId: string | null;
  createdBy: string;
  createdAt: number;
  /** After this instant the address is sent to again; null: until removed. */
  expiresAt: number | null;
}

export const DETAIL_MAX_CHARS = 500;

/** The one spelling the list keys on. */
export function suppressionKey(address: string): string {
  return address.trim().toLowerCase();
}

/**
 * The key of an address someone names to remove: as adding it stored it (parsed, its domain in
 * ASCII), so `ann@bücher.example` finds the entry kept as `ann@xn--bcher-kva.example`. A display
 * name is refused as adding refuses it; text that does not parse as an address is keyed as
 * written (an entry from an older version may hold one).
 */
export function namedSuppressionKey(address: string): string {
  let m;
  try {
    m = parseMailbox('address', address);
  } catch (err) {
    if (isMailroomError(err)) return suppressionKey(address);
    throw err;
  }
  if (m.name) throw invalid('address', 'must be a bare address without a display name');
  return suppressionKey(m.address);
}

/**
 * A search of the list as the list spells addresses: lower-case, and a label written in Unicode
 * in ASCII (`bücher` → `xn--bcher-kva`), so the domain as people type it finds its entries.
 */
export function suppressionSearch(q: string): string {
  const [local, domain] = q.trim().toLowerCase().split(/@(?=[^@]*$)/);
  return domain === undefined ? asciiDomain(local) : `${local}@${asciiDomain(domain)}`;
}

/**
 * The list's cursor is the last address of the previous page (the list is in address order), so
 * it is one address as the list keys it: lower-case, no spaces, a local part and a domain. Anything
 * else is refused with the words every other list uses for a cursor it did not return
 * (assertCursor in kernel/ids.ts), rather than answered with a page that means nothing.
 */
export function assertSuppressionCursor(cursor: string | undefined): void {
  if (cursor === undefined) return;
  if (cursor === suppressionKey(cursor) && /^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+$/u.test(cursor)) return;
  throw foreignCursor();
}

/** Whether a suppression still applies at `now`. */
export function isActive(s: Pick<Suppression, 'expiresAt'>, now: number): boolean {
  return s.expiresAt === null || s.expiresAt > now;
}

/**
 * What an admin may add through the API: an address (strictly parsed, no display name), an
 * optional note and expiry. The reason is always `manual`: bounce and complaint entries come
 * only from mail Mailroom read, so the list never claims a bounce nobody saw.
 */
export function normalizeSuppressionInput(input: unknown, now: number): Pick<Suppression, 'address' | 'reason' | 'detail' | 'expiresAt'> {
  const d = doc('suppression', input);
  onlyKeys('suppression', d, ['address', 'reason', 'detail', 'expiresAt']);
  const m = parseMailbox('address', str('address', d.address, { max: 320 }));
  if (m.name) throw invalid('address', 'must be a bare address without a display name');
  // The one reason that can be given is listed as allowed: the others are real reasons, but not the admin's to claim.
  if (d.reason !== undefined && d.reason !== 'manual') {
    const known = (SUPPRESSION_REASONS as readonly unknown[]).includes(d.reason);
    throw notAllowed('reason', known ? 'only "manual" suppressions can be added; bounces and complaints are added when Mailroom reads them' : 'must be "manual" (or left out): the only reason an admin gives', ['manual']);
  }
  const detail = optStr('detail', d.detail, { max: DETAIL_MAX_CHARS })?.trim() || null;
  const expiresAt = parseInstant('expiresAt', d.expiresAt) ?? null;
  if (expiresAt !== null && expiresAt <= now) throw invalid('expiresAt', 'is in the past');
  return { address: suppressionKey(m.address), reason: 'manual', detail, expiresAt };
}

/**
 * Marks the recipients on the list `suppressed`, with the reason in their response, and
 * returns them. The dispatcher only sends to pending recipients, so these are never tried.
 */
export function applySuppressions<R extends { address: string; status: string; response: string | null }>(recipients: R[], listed: ReadonlyMap<string, Suppression>): R[] {
  const skipped: R[] = [];
  for (const r of recipients) {
    const s = listed.get(suppressionKey(r.address));
    if (!s) continue;
    r.status = 'suppressed';
    r.response = `${r.address} is suppressed (${s.reason}${s.detail ? `: ${s.detail}` : ''})`;
    skipped.push(r);
  }
  return skipped;
}
