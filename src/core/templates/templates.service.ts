import { createHash } from 'node:crypto';
import { SYSTEM_ACTOR, type Actor } from '../kernel/audit.js';
import { audit, type CoreContext } from '../context.js';
import { ErrorCodes, isMailroomError, MailroomError, notFound } from '../kernel/errors.js';
import { versionOf } from '../kernel/versioning.js';
import { int } from '../kernel/validate.js';
import { unknownPurpose } from '../routing/purposes.js';
import type { Repositories } from '../ports.js';
import { checkTemplate, unknownLayout } from './render.js';
import { normalizeTemplate, templateKey, type Template, type TemplateDraft, type TemplateVersion } from './templates.js';
import { saveVersioned } from './versioned-save.js';
import { followShippedLayout } from './layouts.service.js';
import type { AuditAction } from '../kernel/audit-actions.js';
import { inUseError, usersByName } from '../kernel/in-use.js';

/** A template as the API shows it: `modified` says whether a built-in differs from what Mailroom ships. */
export interface TemplateView extends Template {
  modified: boolean;
}

const draftText = (d: TemplateDraft) => JSON.stringify([d.name, d.purpose, d.layout, d.locales, d.sampleData]);
const sameDraft = (a: TemplateDraft, b: TemplateDraft) => draftText(a) === draftText(b);

/** What BuiltinTemplates.superseded lists of a text once shipped: its SHA-256, in hex. */
export const draftFingerprint = (d: TemplateDraft): string => createHash('sha256').update(draftText(d)).digest('hex');

export function templateView(ctx: CoreContext, t: Template): TemplateView {
  const shipped = t.builtIn ? ctx.templates.builtins.templates[t.key] : undefined;
  return { ...t, modified: shipped ? !sameDraft(t, shipped) : false };
}

/** What the audit log keeps of a template: the full text is in its version history. */
const auditShape = (t: Template) => ({ name: t.name, purpose: t.purpose, layout: t.layout, locales: Object.keys(t.locales), version: t.version });

/** Inserts the built-in templates that are not stored yet; run at every start (idempotent). */
export async function ensureBuiltinTemplates(ctx: CoreContext): Promise<string[]> {
  const added: string[] = [];
  const now = ctx.clock.now();
  const { templates, layouts } = ctx.templates.builtins;
  for (const [key, draft] of Object.entries(layouts)) {
    const { name, html, text } = draft;
    if (await ctx.store.repos.layouts.insertIfMissing({ key, name, html, text, builtIn: true, version: 1, createdAt: now, updatedAt: now, updatedBy: null })) added.push(`layout:${key}`);
    else if (await followShippedLayout(ctx, key, draft)) added.push(`layout:${key} (updated to the text this version ships)`);
  }
  for (const [key, draft] of Object.entries(templates)) {
    if (await ctx.store.repos.templates.insertIfMissing({ key, ...draft, builtIn: true, version: 1, createdAt: now, updatedAt: now, updatedBy: null })) added.push(key);
    else if (await followShipped(ctx, key, draft)) added.push(`${key} (updated to the text this version ships)`);
  }
  return added;
}

/**
 * A built-in still holding a text an earlier version shipped (BuiltinTemplates.superseded) gets
 * the text this version ships, as a new version reset by the system (audited as such); one an
 * admin changed is theirs and stays. Another process starting beside this one may do it first.
 */
async function followShipped(ctx: CoreContext, key: string, shipped: TemplateDraft): Promise<boolean> {
  const earlier = ctx.templates.builtins.superseded[key];
  if (!earlier?.length) return false;
  const stored = await ctx.store.repos.templates.get(key);
  if (!stored?.builtIn || !earlier.includes(draftFingerprint(stored))) return false;
  try {
    await store(ctx, SYSTEM_ACTOR, key, shipped, stored.version, 'template.reset');
    return true;
  } catch (err) {
    if (isMailroomError(err) && err.code === ErrorCodes.VERSION_CONFLICT) return false;
    throw err;
  }
}

export async function listTemplates(ctx: CoreContext): Promise<TemplateView[]> {
  return (await ctx.store.repos.templates.list()).map((t) => templateView(ctx, t));
}

export async function getTemplate(ctx: CoreContext, key: string): Promise<TemplateView> {
  const t = await ctx.store.repos.templates.get(key);
  if (!t) throw notFound('template', key);
  return templateView(ctx, t);
}

export async function templateVersions(ctx: CoreContext, key: string) {
  const items = await ctx.store.repos.templates.versions(key);
  if (!items.length) throw notFound('template', key);
  return items;
}

export async function getTemplateVersion(ctx: CoreContext, key: string, version: number): Promise<TemplateVersion> {
  const v = await ctx.store.repos.templates.getVersion(key, int('version', version, 1, Number.MAX_SAFE_INTEGER));
  if (!v) throw notFound('template version', `${key}@${version}`);
  return v;
}

/** The purpose and the layout a template names must be stored, and stay until the template is saved (held). */
async function checkReferences(repos: Repositories, draft: Pick<TemplateDraft, 'purpose' | 'layout'>): Promise<void> {
  if (draft.purpose !== null && !(await repos.purposes.hold(draft.purpose))) throw unknownPurpose(draft.purpose);
  if (draft.layout !== null && !(await repos.layouts.hold(draft.layout))) throw unknownLayout(draft.layout);
}

/** Stores `draft` as the next version of `key` (or its first), if `expected` still holds; audited. */
async function store(ctx: CoreContext, actor: Actor, key: string, draft: TemplateDraft, expected: number | undefined, action: AuditAction): Promise<TemplateView> {
  const saved = await saveVersioned<Template>(
    ctx,
    actor,
    {
      kind: 'template',
      check: (repos) => checkReferences(repos, draft),
      get: (repos) => repos.templates.get(key),
      // Versions never repeat under a key, even after a delete: the log's references stay unique.
      create: async (repos, now) => ({ key, ...draft, builtIn: false, version: (await repos.templates.lastVersion(key)) + 1, createdAt: now, updatedAt: now, updatedBy: actor.label }),
      insert: (repos, t) => repos.templates.insert(t),
      next: (prev, now) => ({ ...prev, ...draft, version: prev.version + 1, updatedAt: now, updatedBy: actor.label }),
      update: (repos, t, expectedVersion) => repos.templates.update(t, expectedVersion),
      auditShape,
    },
    key,
    expected,
    action,
  );
  return templateView(ctx, saved);
}

/**
 * PUT creates a template or replaces one (with the version read); PATCH changes the given
 * fields. Either way every locale must render with the sample data first: a broken template is
 * refused now (400 syntax with line and column, 422 render or limit), never at send time.
 */
export async function saveTemplate(ctx: CoreContext, actor: Actor, key: string, input: unknown, mode: 'put' | 'patch'): Promise<TemplateView> {
  templateKey('key', key);
  const expected = versionOf(input, mode);
  const prev = mode === 'patch' ? await ctx.store.repos.templates.get(key) : undefined;
  if (mode === 'patch' && !prev) throw notFound('template', key);
  const draft = normalizeTemplate(input, prev);
  // Rendering takes a thread's time: never inside the transaction, which would hold the database.
  await checkTemplate(ctx, draft);
  return store(ctx, actor, key, draft, expected, 'template.update');
}

/** Puts a built-in template back to the text Mailroom ships, as a new version. */
export async function resetTemplate(ctx: CoreContext, actor: Actor, key: string): Promise<TemplateView> {
  const shipped = ctx.templates.builtins.templates[key];
  if (!shipped) throw new MailroomError(ErrorCodes.INVALID_STATE, `template "${key}" is not built in: there is nothing to reset it to (delete it instead)`, { template: key });
  const prev = await ctx.store.repos.templates.get(key);
  if (!prev) {
    await ensureBuiltinTemplates(ctx);
    return getTemplate(ctx, key);
  }
  return store(ctx, actor, key, shipped, prev.version, 'template.reset');
}

/** Deletes a custom template no rule uses (409 MAILROOM_E_IN_USE naming the rules otherwise, nothing deleted); its history stays. */
export async function deleteTemplate(ctx: CoreContext, actor: Actor, key: string): Promise<void> {
  if (ctx.templates.builtins.templates[key]) {
    throw new MailroomError(ErrorCodes.INVALID_STATE, `template "${key}" is built in and cannot be deleted; reset it instead (POST /api/v1/templates/${key}/reset)`, { template: key });
  }
  await ctx.store.transaction(async (repos) => {
    // Locked before the look (as deleteAccount): a rule saved meanwhile is seen, or finds the template gone.
    const prev = await repos.templates.lockForDelete(key);
    if (!prev) throw notFound('template', key);
    const used = inUseError(`template "${key}"`, [usersByName('rules', ['rule', 'rules'], await repos.rules.naming('template', key))], 'give them another template (or delete them) first');
    if (used) throw used;
    await repos.templates.delete(key);
    await audit(repos, ctx, actor, 'template.delete', { type: 'template', id: key }, auditShape(prev), undefined);
  });
}
