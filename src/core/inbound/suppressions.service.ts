import { spokenInstant } from '../kernel/instants.js';
import { audit, type CoreContext } from '../context.js';
import { SYSTEM_ACTOR, type Actor } from '../kernel/audit.js';
import { ErrorCodes, MailroomError, notFound } from '../kernel/errors.js';
import type { Repositories } from '../ports.js';
import { assertSuppressionCursor, isActive, namedSuppressionKey, normalizeSuppressionInput, suppressionKey, suppressionSearch, type Suppression } from './suppressions.js';

export async function listSuppressions(ctx: CoreContext, query: { limit: number; cursor?: string; q?: string }) {
  assertSuppressionCursor(query.cursor);
  return ctx.store.repos.suppressions.list({ ...query, ...(query.q ? { q: suppressionSearch(query.q) } : {}) });
}

/** An admin's suppression (reason `manual`), audited. A listed address is a 409 naming why it is listed. */
export async function addSuppression(ctx: CoreContext, actor: Actor, input: unknown): Promise<Suppression> {
  const now = ctx.clock.now();
  const given = normalizeSuppressionInput(input, now);
  const entry: Suppression = { ...given, sourceMessageId: null, createdBy: actor.label, createdAt: now };
  return ctx.store.transaction(async (repos) => {
    const existing = await repos.suppressions.get(entry.address);
    if (existing && isActive(existing, now)) {
      throw new MailroomError(ErrorCodes.DUPLICATE, `${entry.address} is on the suppression list already (${existing.reason}, since ${spokenInstant(existing.createdAt)}); remove it first to change it`, {
        field: 'address',
        reason: existing.reason,
        since: new Date(existing.createdAt).toISOString(),
      });
    }
    if (existing) await repos.suppressions.replace(entry);
    else await repos.suppressions.add(entry);
    await audit(repos, ctx, actor, 'suppression.add', { type: 'suppression', id: entry.address }, existing, entry);
    return entry;
  });
}

/** Takes an address off the list (later sends reach it again), audited. */
export async function removeSuppression(ctx: CoreContext, actor: Actor, address: string): Promise<void> {
  const key = namedSuppressionKey(address);
  await ctx.store.transaction(async (repos) => {
    const existing = await repos.suppressions.get(key);
    if (!existing || !(await repos.suppressions.remove(key))) throw notFound('suppression', key);
    await audit(repos, ctx, actor, 'suppression.remove', { type: 'suppression', id: key }, existing, undefined);
  });
}

/**
 * Suppresses an address because of mail Mailroom read (a hard bounce, repeated soft bounces,
 * a complaint), inside the caller's transaction, audited as the system. An address listed
 * for good already keeps its first reason; an expired entry is renewed, and so is one that
 * will expire (an admin's pause): it would end, and mail go again to an address the mail read
 * says is gone. True when it was added.
 */
export async function suppressFromMail(repos: Repositories, ctx: CoreContext, entry: Omit<Suppression, 'createdBy' | 'createdAt' | 'expiresAt'>): Promise<boolean> {
  const now = ctx.clock.now();
  const full: Suppression = { ...entry, address: suppressionKey(entry.address), createdBy: SYSTEM_ACTOR.label, createdAt: now, expiresAt: null };
  const existing = await repos.suppressions.get(full.address);
  if (existing && isActive(existing, now) && existing.expiresAt === null) return false;
  if (existing) await repos.suppressions.replace(full);
  else if (!(await repos.suppressions.add(full))) return false;
  await audit(repos, ctx, SYSTEM_ACTOR, 'suppression.add', { type: 'suppression', id: full.address }, existing, full);
  return true;
}

/** The suppressions that apply to these recipients now, by lower-cased address. */
export async function suppressedAmong(repos: Repositories, addresses: readonly string[], now: number): Promise<Map<string, Suppression>> {
  if (!addresses.length) return new Map();
  const keys = [...new Set(addresses.map(suppressionKey))];
  return new Map((await repos.suppressions.active(keys, now)).map((s) => [s.address, s]));
}
