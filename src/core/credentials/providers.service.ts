import { audit, type CoreContext } from '../context.js';
import type { Actor } from '../kernel/audit.js';
import { ErrorCodes, isDuplicateKey, isMailroomError, MailroomError, notFound } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import { changesNothing, requireVersion, versionConflict } from '../kernel/versioning.js';
import type { Repositories } from '../ports.js';
import { refuseWhileRead } from './usage.js';
import type { ListedSecret, SecretProviderClient } from './ports.js';
import { LISTABLE_KINDS, normalizeProviderInput, publicProvider, type SecretProvider, type StoredSecretProvider } from './providers.js';
import { formatSecretRef, parseProviderTarget, parseSecretRef, REF_KINDS, type ProviderKind, type SecretRef } from './references.js';

export async function listProviders(ctx: CoreContext): Promise<SecretProvider[]> {
  return (await ctx.store.repos.secretProviders.list()).map(publicProvider);
}

export async function loadProvider(repos: Repositories, id: string): Promise<StoredSecretProvider> {
  const p = await repos.secretProviders.get(id);
  if (!p) throw notFound('secret provider', id);
  return p;
}

function duplicateName(name: string): MailroomError {
  return new MailroomError(ErrorCodes.DUPLICATE, `a secret provider named "${name}" exists already; choose another name`, { field: 'name' });
}

export async function createProvider(ctx: CoreContext, actor: Actor, input: unknown): Promise<SecretProvider> {
  const { name, kind, config, credentials } = normalizeProviderInput(input);
  const now = ctx.clock.now();
  try {
    return await ctx.store.transaction(async (repos) => {
      const credentialsSecretId = await repos.secrets.put(JSON.stringify(credentials));
      const p: StoredSecretProvider = { id: newId('spv', now), name, kind, config, credentialsSet: Object.keys(credentials ?? {}), credentialsSecretId, createdAt: now, updatedAt: now, version: 1 };
      await repos.secretProviders.insert(p);
      await audit(repos, ctx, actor, 'secret_provider.create', { type: 'secret_provider', id: p.id }, undefined, publicProvider(p));
      return publicProvider(p);
    });
  } catch (err) {
    throw isDuplicateKey(err) ? duplicateName(name) : err;
  }
}

export async function updateProvider(ctx: CoreContext, client: SecretProviderClient, actor: Actor, id: string, input: unknown): Promise<SecretProvider> {
  const version = requireVersion(input);
  try {
    const shown = await ctx.store.transaction(async (repos) => {
      const prev = await loadProvider(repos, id);
      if (prev.version !== version) throw versionConflict('secret provider', id, prev.version, version);
      const { name, config, credentials } = normalizeProviderInput(input, prev);
      let credentialsSecretId = prev.credentialsSecretId;
      if (credentials) {
        if (credentialsSecretId) await repos.secrets.replace(credentialsSecretId, JSON.stringify(credentials));
        else credentialsSecretId = await repos.secrets.put(JSON.stringify(credentials));
      }
      const next: StoredSecretProvider = {
        ...prev,
        name,
        config,
        credentialsSecretId,
        credentialsSet: credentials ? Object.keys(credentials) : prev.credentialsSet,
        updatedAt: ctx.clock.now(),
        version: prev.version + 1,
      };
      // New credentials are a change even when the same keys come back: they were written above.
      if (!credentials && changesNothing(prev, next)) return publicProvider(prev);
      if (!(await repos.secretProviders.update(next, version))) throw versionConflict('secret provider', id, prev.version + 1, version);
      await audit(repos, ctx, actor, 'secret_provider.update', { type: 'secret_provider', id }, publicProvider(prev), { ...publicProvider(next), ...(credentials ? { credentialsChanged: true } : {}) });
      return publicProvider(next);
    });
    // Cached values and tokens belong to the old settings.
    client.forget(id);
    return shown;
  } catch (err) {
    throw isDuplicateKey(err) ? duplicateName((input as { name?: string }).name ?? '') : err;
  }
}

export async function deleteProvider(ctx: CoreContext, client: SecretProviderClient, actor: Actor, id: string): Promise<void> {
  await ctx.store.transaction(async (repos) => {
    const prev = await loadProvider(repos, id);
    await refuseWhileRead(repos, `secret provider "${prev.name}"`, (ref) => 'providerId' in ref && ref.providerId === id);
    await repos.secretProviders.delete(id);
    if (prev.credentialsSecretId) await repos.secrets.delete(prev.credentialsSecretId);
    await audit(repos, ctx, actor, 'secret_provider.delete', { type: 'secret_provider', id }, publicProvider(prev), undefined);
  });
  client.forget(id);
}

/** What a reference of each provider kind looks like after its id, for messages. */
const OWN_FORM: Record<ProviderKind, { form: string; example: string }> = {
  vault: { form: '<path>#<field>', example: 'mail/smtp#password' },
  'azure-keyvault': { form: '<name>[/<version>]', example: 'smtp-password' },
  cyberark: { form: '<safe>/<object>', example: 'MailSafe/smtp-relay' },
};

/**
 * The reference a test or a listing names: a full reference of this provider
 * ("vault:spv_…/smtp#password") or only the part after the provider id ("smtp#password").
 */
function referenceFor(p: StoredSecretProvider, reference: unknown): SecretRef {
  if (typeof reference !== 'string' || reference === '') {
    throw new MailroomError(ErrorCodes.VALIDATION, 'reference: name the secret to read, e.g. "smtp#password" (Vault), "smtp-password" (Key Vault) or "Safe/Object" (CyberArk)', { field: 'reference' });
  }
  const other = REF_KINDS.find((k) => k !== p.kind && reference.startsWith(`${k}:`));
  if (other) {
    // Copied from another provider or an account: the whole text is no path of this one.
    const { form, example } = OWN_FORM[p.kind];
    throw new MailroomError(ErrorCodes.VALIDATION, `reference: is a ${other}: reference, and this provider is a ${p.kind} one: give "${p.kind}:${p.id}/${form}" or the part after the id (e.g. "${example}")`, { field: 'reference' });
  }
  if (reference.startsWith(`${p.kind}:`)) {
    const ref = parseSecretRef('reference', reference);
    if (!('providerId' in ref) || ref.providerId !== p.id) throw new MailroomError(ErrorCodes.VALIDATION, `reference: names another provider than ${p.id}`, { field: 'reference' });
    return ref;
  }
  return parseProviderTarget('reference', p.kind, p.id, reference);
}

/** What the test button shows: found with a length and a version, or the provider's error with a hint. Never the value. */
export type ProviderTestResult =
  | { ok: true; reference: string; length: number; version: string | null; durationMs: number }
  | { ok: false; reference: string | null; error: { code: string; message: string; hint?: string; status?: number }; durationMs: number };

export async function testProvider(ctx: CoreContext, client: SecretProviderClient, actor: Actor, id: string, reference: unknown): Promise<ProviderTestResult> {
  const p = await loadProvider(ctx.store.repos, id);
  const ref = referenceFor(p, reference);
  const text = formatSecretRef(ref);
  const started = ctx.clock.now();
  let result: ProviderTestResult;
  try {
    const found = await client.check(p, text);
    result = { ok: true, reference: text, length: found.value.length, version: found.version, durationMs: ctx.clock.now() - started };
  } catch (err) {
    if (!isMailroomError(err)) throw err;
    const d = (err.details ?? {}) as { hint?: string; status?: number };
    result = { ok: false, reference: text, error: { code: err.code, message: err.message, ...(d.hint ? { hint: d.hint } : {}), ...(d.status ? { status: d.status } : {}) }, durationMs: ctx.clock.now() - started };
  }
  await ctx.store.transaction((repos) =>
    audit(repos, ctx, actor, 'secret_provider.test', { type: 'secret_provider', id }, undefined, result.ok ? { reference: text, ok: true, version: result.version } : { reference: text, ok: false, code: result.error.code }),
  );
  return result;
}

/** What the provider offers under `prefix`, for the account form's picker; CyberArk's CCP cannot list. */
export async function listProviderSecrets(ctx: CoreContext, client: SecretProviderClient, id: string, prefix: unknown): Promise<ListedSecret[]> {
  const p = await loadProvider(ctx.store.repos, id);
  if (!LISTABLE_KINDS.includes(p.kind)) {
    throw new MailroomError(ErrorCodes.SECRET_PROVIDER_UNSUPPORTED, `${p.kind} cannot list what it holds (its API reads one named object at a time): type the reference`, { provider: p.kind });
  }
  const s = typeof prefix === 'string' ? prefix.replace(/^\/+|\/+$/g, '') : '';
  // "." and ".." are no folder of the mount: they resolve outside it (?path=../../sys/policy sent
  // the provider's token to /v1/sys/policy), so they are refused as in a reference (parseProviderTarget).
  if (s && (!/^[A-Za-z0-9_.@-]+(\/[A-Za-z0-9_.@-]+)*$/.test(s) || s.split('/').some((seg) => seg === '.' || seg === '..'))) {
    throw new MailroomError(ErrorCodes.VALIDATION, 'path: segments of letters, digits, "_", "-", "." or "@" separated by single "/", none of them "." or ".."', { field: 'path' });
  }
  return client.list(p, s);
}
