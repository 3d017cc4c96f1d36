import type { Actor } from '../kernel/audit.js';
import { audit, type CoreContext } from '../context.js';
import { newDkimKeyDomain, normalizeDkimDomain, normalizeDkimInput, publicDkimKey, type DkimKey, type DkimKeyTool, type StoredDkimKey } from './dkim.js';
import { ErrorCodes, MailroomError, notFound } from '../kernel/errors.js';
import { spokenInstant } from '../kernel/instants.js';
import type { Repositories } from '../ports.js';

export type PublicDkimKey = ReturnType<typeof publicDkimKey>;

export async function listDkimKeys(ctx: CoreContext): Promise<PublicDkimKey[]> {
  return (await ctx.store.repos.dkimKeys.list()).map(publicDkimKey);
}

export async function getDkimKey(ctx: CoreContext, domain: string): Promise<PublicDkimKey> {
  const d = normalizeDkimDomain(domain);
  const k = await ctx.store.repos.dkimKeys.get(d);
  if (!k) throw notFound('DKIM key for domain', d);
  return publicDkimKey(k);
}

/**
 * Creates or replaces (rotates) the domain's key: generated, or imported from PEM. The
 * private key goes straight into an encrypted secret; responses and the audit log carry only
 * the public key and the record to publish.
 */
export async function putDkimKey(ctx: CoreContext, actor: Actor, tool: DkimKeyTool, domain: string, input: unknown): Promise<PublicDkimKey> {
  const d = newDkimKeyDomain(domain);
  const { selector, privateKey, keyBits, version } = normalizeDkimInput(input);
  const material = privateKey ? tool.inspect(privateKey) : await tool.generate(keyBits);
  return ctx.store.transaction(async (repos) => {
    const prev = await repos.dkimKeys.get(d);
    if (version !== undefined) refuseStaleKey(d, prev, version);
    const now = ctx.clock.now();
    const secretId = prev ? prev.privateKeySecretId : await repos.secrets.put(material.privateKeyPem);
    if (prev) await repos.secrets.replace(secretId, material.privateKeyPem);
    const next: StoredDkimKey = {
      domain: d,
      selector,
      privateKeySecretId: secretId,
      publicKey: material.publicKey,
      keyBits: material.bits,
      source: privateKey ? 'imported' : 'generated',
      createdAt: prev?.createdAt ?? now,
      updatedAt: now,
      version: (prev?.version ?? 0) + 1,
    };
    // Written only over the key read above: a rotation that committed meanwhile (PostgreSQL) wins, this one is refused.
    if (!prev) await repos.dkimKeys.insert(next);
    else if (!(await repos.dkimKeys.update(next, prev.version))) {
      refuseStaleKey(d, await repos.dkimKeys.get(d), prev.version);
      throw new Error(`the DKIM key of ${d} could not be written at version ${prev.version}`);
    }
    const shown = publicDkimKey(next);
    const { dnsRecord: _r, ...about } = shown;
    await audit(repos, ctx, actor, prev ? 'dkim.rotate' : 'dkim.create', { type: 'dkim', id: d }, prev ? strip(prev) : undefined, about);
    return shown;
  });
}

/**
 * A write that names the key it read (`version`) is refused when the key is no longer that one:
 * a form open in another tab "rotated" a key deleted meanwhile (creating one, and saying "Key
 * rotated"), or replaced a key someone had just rotated.
 */
function refuseStaleKey(domain: string, prev: StoredDkimKey | undefined, version: number): void {
  if (prev?.version === version || (!prev && version === 0)) return;
  const now = prev ? `it is at version ${prev.version} now, ${prev.version === 1 ? 'created' : 'rotated'} at ${spokenInstant(prev.updatedAt)}` : 'it was deleted';
  const read = version === 0 ? 'had no DKIM key when you read it' : `had its DKIM key at version ${version} when you read it`;
  throw new MailroomError(ErrorCodes.VERSION_CONFLICT, `${domain} ${read}; ${now}: nothing was changed; read the key again and make your change again`, { field: 'version', currentVersion: prev?.version ?? 0 });
}

function strip(k: StoredDkimKey): DkimKey {
  const { privateKeySecretId: _s, ...rest } = k;
  return rest;
}

export async function deleteDkimKey(ctx: CoreContext, actor: Actor, domain: string): Promise<void> {
  const d = normalizeDkimDomain(domain);
  await ctx.store.transaction(async (repos) => {
    const prev = await repos.dkimKeys.get(d);
    if (!prev) throw notFound('DKIM key for domain', d);
    await repos.dkimKeys.delete(d);
    await repos.secrets.delete(prev.privateKeySecretId);
    await audit(repos, ctx, actor, 'dkim.delete', { type: 'dkim', id: d }, strip(prev), undefined);
  });
}

/** Structurally nodemailer's DKIM.SingleKeyOptions (the core does not import nodemailer). */
export interface DkimSigningOptions {
  domainName: string;
  keySelector: string;
  privateKey: string;
}

/**
 * The signing options for mail whose From is in `fromDomain`: the domain's own key, else the
 * nearest parent domain's (a d= of the parent still aligns under relaxed DMARC). Undefined when
 * no key applies: the message goes out unsigned.
 */
export async function dkimSigningOptions(repos: Pick<Repositories, 'dkimKeys' | 'secrets'>, fromDomain: string): Promise<DkimSigningOptions | undefined> {
  const labels = fromDomain.toLowerCase().replace(/\.$/, '').split('.');
  for (let i = 0; i + 2 <= labels.length; i++) {
    const domain = labels.slice(i).join('.');
    const key = await repos.dkimKeys.get(domain);
    if (key) return { domainName: key.domain, keySelector: key.selector, privateKey: await repos.secrets.reveal(key.privateKeySecretId) };
  }
  return undefined;
}
