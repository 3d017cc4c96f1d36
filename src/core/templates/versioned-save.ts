import type { AuditAction } from '../kernel/audit-actions.js';
import type { Actor } from '../kernel/audit.js';
import { audit, type CoreContext } from '../context.js';
import { ErrorCodes, MailroomError, notFound } from '../kernel/errors.js';
import { changesNothing, versionConflict } from '../kernel/versioning.js';
import type { Repositories } from '../ports.js';

interface Versioned {
  key: string;
  version: number;
}

/** How one kind of versioned resource (templates, layouts) is stored. */
export interface VersionedKind<T extends Versioned> {
  /** "template", "layout": in messages, audit actions and targets. */
  kind: 'template' | 'layout';
  /** Checks against other stored things (a template's purpose exists), inside the transaction. */
  check?(repos: Repositories): Promise<void>;
  get(repos: Repositories, key: string): Promise<T | undefined>;
  /** The first version of `key`, to insert. */
  create(repos: Repositories, now: number): Promise<T>;
  insert(repos: Repositories, value: T): Promise<void>;
  /** The next version from the current one. */
  next(prev: T, now: number): T;
  update(repos: Repositories, value: T, expected: number): Promise<boolean>;
  /** What the audit log keeps of it. */
  auditShape(value: T): unknown;
}

/**
 * PUT and PATCH of a versioned resource in one transaction: creates it (no version given),
 * or replaces it if `expected` is still its version (else 409), and audits either.
 */
export function saveVersioned<T extends Versioned>(ctx: CoreContext, actor: Actor, k: VersionedKind<T>, key: string, expected: number | undefined, action: AuditAction): Promise<T> {
  return ctx.store.transaction(async (repos) => {
    await k.check?.(repos);
    const prev = await k.get(repos, key);
    const now = ctx.clock.now();
    const target = { type: k.kind, id: key };
    if (!prev) {
      if (expected !== undefined) throw notFound(k.kind, key);
      const created = await k.create(repos, now);
      await k.insert(repos, created);
      await audit(repos, ctx, actor, `${k.kind}.create`, target, undefined, k.auditShape(created));
      return created;
    }
    if (expected === undefined) {
      throw new MailroomError(ErrorCodes.VALIDATION, `version: ${k.kind} "${key}" exists; send the version you read to replace it`, { field: 'version', currentVersion: prev.version });
    }
    if (prev.version !== expected) throw versionConflict(k.kind, key, prev.version, expected);
    const next = k.next(prev, now);
    if (changesNothing(prev, next)) return prev;
    if (!(await k.update(repos, next, prev.version))) throw versionConflict(k.kind, key, prev.version + 1, prev.version);
    await audit(repos, ctx, actor, action, target, k.auditShape(prev), k.auditShape(next));
    return next;
  });
}
