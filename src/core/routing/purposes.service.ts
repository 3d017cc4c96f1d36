import type { Actor } from '../kernel/audit.js';
import { audit, type CoreContext } from '../context.js';
import { ErrorCodes, MailroomError, notFound } from '../kernel/errors.js';
import type { Repositories } from '../ports.js';
import {
  BUILTIN_PURPOSES,
  builtinPurpose,
  isBuiltinPurpose,
  normalizePurposeConfig,
  purposeKey,
  type Purpose,
  type PurposeConfig,
} from './purposes.js';
import { changesNothing, requireVersion, versionConflict } from '../kernel/versioning.js';
import { inUseError, usersByKey, usersByName } from '../kernel/in-use.js';

/** Inserts the built-in purposes that are not stored yet; run at every start (idempotent). */
export async function ensureBuiltinPurposes(ctx: CoreContext): Promise<string[]> {
  const added: string[] = [];
  for (const key of Object.keys(BUILTIN_PURPOSES)) {
    if (await ctx.store.repos.purposes.insertIfMissing(builtinPurpose(key, ctx.clock.now()))) added.push(key);
  }
  return added;
}

/** Stored purposes plus any built-in not stored yet, most urgent first. */
export async function listPurposes(ctx: CoreContext): Promise<Purpose[]> {
  const stored = await ctx.store.repos.purposes.list();
  const missing = Object.keys(BUILTIN_PURPOSES)
    .filter((k) => !stored.some((p) => p.key === k))
    .map((k) => builtinPurpose(k, ctx.clock.now()));
  return [...stored, ...missing].sort((a, b) => b.priority - a.priority || a.key.localeCompare(b.key));
}

async function stored(repos: Repositories, ctx: CoreContext, key: string): Promise<Purpose> {
  const p = await repos.purposes.get(key);
  if (p) return p;
  if (!isBuiltinPurpose(key)) throw notFound('purpose', key);
  // A built-in that start-up has not stored yet (e.g. a store shared with an older version).
  const b = builtinPurpose(key, ctx.clock.now());
  await repos.purposes.insertIfMissing(b);
  return (await repos.purposes.get(key)) ?? b;
}

export async function getPurpose(ctx: CoreContext, key: string): Promise<Purpose> {
  const p = await ctx.store.repos.purposes.get(key);
  if (p) return p;
  if (isBuiltinPurpose(key)) return builtinPurpose(key, ctx.clock.now());
  throw notFound('purpose', key);
}

/** The accounts a purpose starts to list must exist, and are held until it is saved: none can be deleted meanwhile. */
async function checkAccounts(repos: Repositories, ids: string[]): Promise<void> {
  for (const [i, id] of ids.entries()) {
    if (!(await repos.accounts.hold(id))) {
      throw new MailroomError(ErrorCodes.VALIDATION, `accountIds[${i}]: account ${id} does not exist`, { field: `accountIds[${i}]` });
    }
  }
}

export async function createPurpose(ctx: CoreContext, actor: Actor, input: unknown): Promise<Purpose> {
  const key = purposeKey('key', (input as { key?: unknown } | null)?.key);
  const config = normalizePurposeConfig(input, undefined, ['key']);
  return ctx.store.transaction(async (repos) => {
    if (isBuiltinPurpose(key) || (await repos.purposes.get(key))) {
      throw new MailroomError(ErrorCodes.DUPLICATE, `a purpose with the key "${key}" exists already: change that one, or choose another key`, { field: 'key' });
    }
    await checkAccounts(repos, config.accountIds);
    const now = ctx.clock.now();
    const p: Purpose = { key, builtin: false, ...config, createdAt: now, updatedAt: now, version: 1 };
    await repos.purposes.insert(p);
    await audit(repos, ctx, actor, 'purpose.create', { type: 'purpose', id: key }, undefined, p);
    return p;
  });
}

/** The configuration a PUT starts from: a built-in's defaults, or nothing for a custom purpose. */
function baseline(p: Purpose): PurposeConfig | undefined {
  const b = BUILTIN_PURPOSES[p.key];
  return b && p.builtin ? { enabled: true, accountIds: [], ...b } : undefined;
}

/**
 * PUT replaces the whole purpose (fields left out return to their defaults); PATCH changes
 * the given fields. Both need the version read: a PUT never creates (POST does), it always
 * replaces a purpose someone may have changed since it was read, and without the version it
 * overwrote that change unseen.
 */
export async function updatePurpose(ctx: CoreContext, actor: Actor, key: string, input: unknown, mode: 'put' | 'patch'): Promise<Purpose> {
  const version = requireVersion(input);
  return ctx.store.transaction(async (repos) => {
    const prev = await stored(repos, ctx, key);
    if (prev.version !== version) throw versionConflict('purpose', key, prev.version, version);
    const config = normalizePurposeConfig(input, mode === 'patch' ? prev : baseline(prev));
    await checkAccounts(repos, config.accountIds.filter((id) => !prev.accountIds.includes(id)));
    const next: Purpose = { ...prev, ...config, updatedAt: ctx.clock.now(), version: prev.version + 1 };
    if (changesNothing(prev, next)) return prev;
    if (!(await repos.purposes.update(next, prev.version))) throw versionConflict('purpose', key, prev.version + 1, prev.version);
    await audit(repos, ctx, actor, 'purpose.update', { type: 'purpose', id: key }, prev, next);
    return next;
  });
}

/**
 * Deletes a custom purpose no template, rule or SMTP credential names (409 MAILROOM_E_IN_USE
 * naming them otherwise, nothing deleted); locked before the look, as deleteAccount.
 */
export async function deletePurpose(ctx: CoreContext, actor: Actor, key: string): Promise<void> {
  await ctx.store.transaction(async (repos) => {
    if (isBuiltinPurpose(key)) {
      throw new MailroomError(ErrorCodes.INVALID_STATE, `purpose "${key}" is built in and cannot be deleted; switch it off instead (PATCH {"enabled": false})`, { purpose: key });
    }
    const prev = await repos.purposes.lockForDelete(key);
    if (!prev) throw notFound('purpose', key);
    const used = inUseError(
      `purpose "${key}"`,
      [
        usersByKey('templates', ['template', 'templates'], await repos.templates.usingPurpose(key)),
        usersByName('rules', ['rule', 'rules'], await repos.rules.naming('purpose', key)),
        usersByName('smtpCredentials', ['SMTP credential', 'SMTP credentials'], await repos.smtpCredentials.naming('purpose', key)),
      ],
      'give them another purpose (or none) first',
    );
    if (used) throw used;
    await repos.purposes.delete(key);
    await audit(repos, ctx, actor, 'purpose.delete', { type: 'purpose', id: key }, prev, undefined);
  });
}
