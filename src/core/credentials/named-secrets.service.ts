import { audit, type CoreContext } from '../context.js';
import type { Actor } from '../kernel/audit.js';
import { ErrorCodes, isDuplicateKey, MailroomError, notFound } from '../kernel/errors.js';
import { changesNothing, versionConflict } from '../kernel/versioning.js';
import { int } from '../kernel/validate.js';
import { normalizeNamedSecretInput, publicNamedSecret, secretName, type NamedSecret, type StoredNamedSecret } from './named-secrets.js';
import { accountsUsing, refuseWhileRead } from './usage.js';

export type NamedSecretView = NamedSecret & { usedBy: string[] };

export async function listNamedSecrets(ctx: CoreContext): Promise<NamedSecretView[]> {
  const repos = ctx.store.repos;
  const all = await repos.namedSecrets.list();
  const out: NamedSecretView[] = [];
  for (const s of all) out.push({ ...publicNamedSecret(s), usedBy: await accountsUsing(repos, (r) => r.kind === 'internal' && r.name === s.name) });
  return out;
}

export async function getNamedSecret(ctx: CoreContext, name: string): Promise<NamedSecretView> {
  const repos = ctx.store.repos;
  const s = await repos.namedSecrets.get(name);
  if (!s) throw notFound('secret', name);
  return { ...publicNamedSecret(s), usedBy: await accountsUsing(repos, (r) => r.kind === 'internal' && r.name === name) };
}

/**
 * Creates the secret or replaces its value (a rotation: every account using it sends with the
 * new value from its next connection) or description. Replacing needs the current `version`.
 */
export async function putNamedSecret(ctx: CoreContext, actor: Actor, rawName: string, input: unknown): Promise<{ secret: NamedSecret; created: boolean }> {
  const name = secretName(rawName);
  try {
    return await ctx.store.transaction(async (repos) => {
      const prev = await repos.namedSecrets.get(name);
      // A version means "replace the one I read": if it is gone (deleted meanwhile), creating it
      // would bring back what another admin removed.
      if (!prev && input && typeof input === 'object' && (input as { version?: unknown }).version !== undefined) {
        throw new MailroomError(ErrorCodes.NOT_FOUND, `secret "${name}" does not exist (deleted meanwhile?); nothing was changed: to create it, send it without a version`, { kind: 'secret', id: name });
      }
      const { value, description } = normalizeNamedSecretInput(input, Boolean(prev));
      const now = ctx.clock.now();
      if (!prev) {
        const s: StoredNamedSecret = { name, description: description ?? null, secretId: await repos.secrets.put(value!), createdAt: now, updatedAt: now, rotatedAt: now, version: 1 };
        await repos.namedSecrets.insert(s);
        await audit(repos, ctx, actor, 'secret.create', { type: 'secret', id: name }, undefined, { ...publicNamedSecret(s), value: 'set' });
        return { secret: publicNamedSecret(s), created: true };
      }
      const version = (input as { version?: unknown }).version;
      if (version === undefined) throw new MailroomError(ErrorCodes.VALIDATION, `version: secret "${name}" exists; send its current version (${prev.version}) to replace it`, { field: 'version' });
      if (int('version', version, 1, Number.MAX_SAFE_INTEGER) !== prev.version) throw versionConflict('secret', name, prev.version, version as number);
      if (value !== undefined) await repos.secrets.replace(prev.secretId, value);
      const next: StoredNamedSecret = {
        ...prev,
        description: description === undefined ? prev.description : description,
        updatedAt: now,
        rotatedAt: value !== undefined ? now : prev.rotatedAt,
        version: prev.version + 1,
      };
      // A value given is a rotation (written above), never nothing, even within the same millisecond.
      if (value === undefined && changesNothing(prev, next)) return { secret: publicNamedSecret(prev), created: false };
      if (!(await repos.namedSecrets.update(next, prev.version))) throw versionConflict('secret', name, prev.version + 1, prev.version);
      await audit(repos, ctx, actor, value !== undefined ? 'secret.rotate' : 'secret.update', { type: 'secret', id: name }, publicNamedSecret(prev), { ...publicNamedSecret(next), ...(value !== undefined ? { value: 'changed' } : {}) });
      return { secret: publicNamedSecret(next), created: false };
    });
  } catch (err) {
    // Two creates at once: the loser is told, not given a 500.
    throw isDuplicateKey(err) ? new MailroomError(ErrorCodes.VERSION_CONFLICT, `secret "${name}" was created meanwhile; read it and send its version`, { field: 'name' }) : err;
  }
}

export async function deleteNamedSecret(ctx: CoreContext, actor: Actor, name: string): Promise<void> {
  await ctx.store.transaction(async (repos) => {
    const prev = await repos.namedSecrets.get(name);
    if (!prev) throw notFound('secret', name);
    await refuseWhileRead(repos, `secret "${name}"`, (r) => r.kind === 'internal' && r.name === name);
    await repos.namedSecrets.delete(name);
    await repos.secrets.delete(prev.secretId);
    await audit(repos, ctx, actor, 'secret.delete', { type: 'secret', id: name }, publicNamedSecret(prev), undefined);
  });
}
