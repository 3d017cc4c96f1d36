import { requirePermission, type Principal } from '../access/auth.js';
import { createHash } from 'node:crypto';
import { SYSTEM_ACTOR, type Actor } from '../kernel/audit.js';
import { audit, type CoreContext } from '../context.js';
import { ErrorCodes, invalid, isMailroomError, MailroomError, notFound } from '../kernel/errors.js';
import { versionOf } from '../kernel/versioning.js';
import { doc, onlyKeys } from '../kernel/validate.js';
import { FALLBACK_LOCALE, localeTag } from './locales.js';
import type { RenderedParts, ShippedLayout } from './ports.js';
import { renderUnsaved } from './render.js';
import { normalizeLayout, PLACE_CONTENT, templateKey, type Layout, type LayoutDraft } from './templates.js';
import { saveVersioned } from './versioned-save.js';
import type { AuditAction } from '../kernel/audit-actions.js';

export interface LayoutView extends Layout {
  /** A built-in layout that differs from what Mailroom ships. */
  modified: boolean;
}

export function layoutView(ctx: CoreContext, l: Layout): LayoutView {
  const shipped = l.builtIn ? ctx.templates.builtins.layouts[l.key] : undefined;
  return { ...l, modified: shipped ? shipped.name !== l.name || shipped.html !== l.html || shipped.text !== l.text : false };
}

const auditShape = (l: Layout) => ({ name: l.name, version: l.version });

/** What ShippedLayout.supersedes lists of a text once shipped: its SHA-256, in hex. */
export const layoutFingerprint = (d: LayoutDraft): string => createHash('sha256').update(JSON.stringify([d.name, d.html, d.text])).digest('hex');

/** A layout's text alone: what is stored of a shipped one (not what it supersedes). */
const textOf = (d: LayoutDraft): LayoutDraft => ({ name: d.name, html: d.html, text: d.text });

/**
 * A built-in layout still holding a text an earlier version shipped (ShippedLayout.supersedes)
 * gets the text this version ships, as a new version reset by the system (audited as such); one
 * an admin changed is theirs and stays. Another process starting beside this one may do it first.
 */
export async function followShippedLayout(ctx: CoreContext, key: string, shipped: ShippedLayout): Promise<boolean> {
  if (!shipped.supersedes?.length) return false;
  const stored = await ctx.store.repos.layouts.get(key);
  if (!stored?.builtIn || !shipped.supersedes.includes(layoutFingerprint(stored))) return false;
  try {
    await store(ctx, SYSTEM_ACTOR, key, shipped, stored.version, 'layout.reset');
    return true;
  } catch (err) {
    if (isMailroomError(err) && err.code === ErrorCodes.VERSION_CONFLICT) return false;
    throw err;
  }
}

/** A body every layout must carry: the check renders the layout around it before a save. */
const SAMPLE_BODY = { subject: 'Sample subject', html: '<p>Sample body.</p>', text: 'Sample body.' };

export async function listLayouts(ctx: CoreContext): Promise<LayoutView[]> {
  return (await ctx.store.repos.layouts.list()).map((l) => layoutView(ctx, l));
}

export async function getLayout(ctx: CoreContext, key: string): Promise<LayoutView> {
  const l = await ctx.store.repos.layouts.get(key);
  if (!l) throw notFound('layout', key);
  return layoutView(ctx, l);
}

async function store(ctx: CoreContext, actor: Actor, key: string, given: LayoutDraft, expected: number | undefined, action: AuditAction): Promise<LayoutView> {
  const draft = textOf(given);
  const saved = await saveVersioned<Layout>(
    ctx,
    actor,
    {
      kind: 'layout',
      get: (repos) => repos.layouts.get(key),
      create: async (_repos, now) => ({ key, ...draft, builtIn: false, version: 1, createdAt: now, updatedAt: now, updatedBy: actor.label }),
      insert: (repos, l) => repos.layouts.insert(l),
      next: (prev, now) => ({ ...prev, ...draft, version: prev.version + 1, updatedAt: now, updatedBy: actor.label }),
      update: (repos, l, expectedVersion) => repos.layouts.update(l, expectedVersion),
      auditShape,
    },
    key,
    expected,
    action,
  );
  return layoutView(ctx, saved);
}

/** PUT creates or replaces (with the version read), PATCH changes the given fields; the layout must render first. */
export async function saveLayout(ctx: CoreContext, actor: Actor, key: string, input: unknown, mode: 'put' | 'patch'): Promise<LayoutView> {
  templateKey('key', key);
  const expected = versionOf(input, mode);
  const prev = mode === 'patch' ? await ctx.store.repos.layouts.get(key) : undefined;
  if (mode === 'patch' && !prev) throw notFound('layout', key);
  const draft = normalizeLayout(input, prev);
  const out = await renderUnsaved(ctx, { content: SAMPLE_BODY, locale: FALLBACK_LOCALE, layout: draft, data: {} });
  // As the engine ran it: a {{ content }} under a false {% if %}, or escaped by a filter, loses the body too.
  if (!out.html?.includes(SAMPLE_BODY.html)) throw invalid('html', `${PLACE_CONTENT}; rendered around a sample body, this layout does not output it as it is`);
  if (draft.text !== null && !out.text?.includes(SAMPLE_BODY.text)) throw invalid('text', `${PLACE_CONTENT}; rendered around a sample body, this layout does not output it as it is`);
  return store(ctx, actor, key, draft, expected, 'layout.update');
}

/**
 * POST /layouts/:key/preview: the built-in test message rendered in the saved layout or — for
 * the editor's live preview, admins only — in unsaved `html` / `text`. Nothing is stored.
 */
export async function previewLayout(ctx: CoreContext, principal: Principal, key: string, input: unknown): Promise<RenderedParts & { locale: string }> {
  const d = doc('body', input ?? {});
  onlyKeys('body', d, ['name', 'html', 'text', 'locale']);
  const locale = d.locale === undefined || d.locale === null ? FALLBACK_LOCALE : localeTag('locale', d.locale);
  const saved = await ctx.store.repos.layouts.get(key);
  const unsaved = d.html !== undefined || d.text !== undefined;
  if (!unsaved && !saved) throw notFound('layout', key);
  if (unsaved) requirePermission(principal, 'admin');
  const draft = Object.fromEntries(Object.entries(d).filter(([k]) => k === 'html' || k === 'text'));
  const layout = unsaved ? normalizeLayout({ name: saved?.name ?? 'preview', ...draft }, saved) : (saved as Layout);
  const sample = ctx.templates.builtins.templates.test;
  const content = sample?.locales[locale] ?? sample?.locales[FALLBACK_LOCALE] ?? SAMPLE_BODY;
  return { ...(await renderUnsaved(ctx, { content, locale, layout, data: sample?.sampleData ?? {} })), locale };
}

export async function resetLayout(ctx: CoreContext, actor: Actor, key: string): Promise<LayoutView> {
  const shipped = ctx.templates.builtins.layouts[key];
  if (!shipped) throw new MailroomError(ErrorCodes.INVALID_STATE, `layout "${key}" is not built in: there is nothing to reset it to (delete it instead)`, { layout: key });
  const prev = await ctx.store.repos.layouts.get(key);
  if (!prev) throw notFound('layout', key);
  return store(ctx, actor, key, shipped, prev.version, 'layout.reset');
}

export async function deleteLayout(ctx: CoreContext, actor: Actor, key: string): Promise<void> {
  if (ctx.templates.builtins.layouts[key]) {
    throw new MailroomError(ErrorCodes.INVALID_STATE, `layout "${key}" is built in and cannot be deleted; reset it instead (POST /api/v1/layouts/${key}/reset)`, { layout: key });
  }
  await ctx.store.transaction(async (repos) => {
    // Locked first: a template save holds the layout it names, so none starts to use it unseen.
    const prev = await repos.layouts.lockForDelete(key);
    if (!prev) throw notFound('layout', key);
    const users = await repos.templates.usingLayout(key);
    if (users.length) throw new MailroomError(ErrorCodes.IN_USE, `layout "${key}" is used by the templates ${users.join(', ')}; give them another layout first`, { templates: users });
    await repos.layouts.delete(key);
    await audit(repos, ctx, actor, 'layout.delete', { type: 'layout', id: key }, auditShape(prev), undefined);
  });
}
