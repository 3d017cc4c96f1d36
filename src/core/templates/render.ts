import type { CoreContext } from '../context.js';
import { ErrorCodes, invalid, MailroomError } from '../kernel/errors.js';
import { hasHeaderUnsafeChars, headerControl } from '../kernel/header-safety.js';
import { characters, isDoc } from '../kernel/validate.js';
import { LIMITS } from '../outbox/messages.js';
import { readTemplateSettings, type Branding } from './branding.js';
import { localeTag, pickLocale, textDirection } from './locales.js';
import type { EngineOutput, RenderedParts, RenderJob } from './ports.js';
import { templateData, templateKey, type Layout, type LayoutDraft, type LocaleContent, type Template } from './templates.js';

/** What a caller asks for: a template, a locale (optional) and the data. */
export interface TemplateRequest {
  key: string;
  locale?: string;
  data: Record<string, unknown>;
}

/** `template`, `locale` and `data` of a submission (POST /messages and every other entry point); undefined without a template. */
export function templateRequest(input: unknown): TemplateRequest | undefined {
  if (!isDoc(input) || input.template === undefined || input.template === null) return undefined;
  // Checked before anything renders: the template writes these.
  for (const f of ['subject', 'text', 'html'] as const) {
    if (input[f] !== undefined) throw invalid(f, `comes from the template: leave subject, text and html out when you name a template`);
  }
  return {
    key: templateKey('template', input.template),
    locale: input.locale === undefined || input.locale === null ? undefined : localeTag('locale', input.locale),
    data: templateData('data', input.data),
  };
}

/** A rendered message: the parts, and which template version and locale made them (for the log). */
export interface RenderedTemplate extends RenderedParts {
  key: string;
  version: number;
  locale: string;
  /** The template's purpose, for a message that names none. */
  purpose: string | null;
}

/** Builds the engine's job: the parts (with cache keys when they are a saved version), the layout, the scope. */
function job(content: LocaleContent, locale: string, layout: Layout | LayoutDraft | null, branding: Branding, data: Record<string, unknown>, cachePrefix: string | null): RenderJob {
  const ref = (prefix: string | null, part: string, source: string) => (prefix ? { source, cacheKey: `${prefix}:${part}` } : { source });
  // Only a saved layout version names its text for good; a draft is parsed afresh.
  const lp = layout && 'version' in layout ? `l:${layout.key}:${layout.version}` : null;
  return {
    locale,
    subject: ref(cachePrefix, 'subject', content.subject),
    html: content.html === null ? null : ref(cachePrefix, 'html', content.html),
    text: content.text === null ? null : ref(cachePrefix, 'text', content.text),
    layout: layout ? { html: ref(lp, 'html', layout.html), text: layout.text === null ? null : ref(lp, 'text', layout.text) } : null,
    // `brand`, `locale` and `dir` (the locale's writing direction, for the layout's <html dir>)
    // are Mailroom's: they win over data of the same name.
    scope: { ...data, brand: branding, locale, dir: textDirection(locale) },
  };
}

async function layoutOf(ctx: CoreContext, key: string | null): Promise<Layout | null> {
  if (key === null) return null;
  const layout = await ctx.store.repos.layouts.get(key);
  // Layouts in use cannot be deleted; one missing anyway (a race) renders the body alone.
  return layout ?? null;
}

/**
 * A filter that works by UTF-16 unit (`split: ""`) can cut an emoji in two: the half is
 * written as U+FFFD, as UTF-8 would write it anyway. (Input with a lone surrogate is refused; output
 * the template made is the template's, and not the sender's to fix.)
 */
const whole = (s: string): string => (s as unknown as { toWellFormed(): string }).toWellFormed();

/**
 * A layout must output the body it was given, whatever the data: a `{{ content }}` under a
 * condition that is false for this message (a branding, a locale, a variable) would send mail
 * without its body. Saving a layout checks one rendering; this checks every one.
 */
function checkBodyKept(parts: EngineOutput, where: string, locale: string, layout: string): void {
  if (!parts.body) return;
  const lost: ('html' | 'text')[] = [];
  if (parts.body.html !== null && parts.html !== null && !parts.html.includes(parts.body.html)) lost.push('html');
  if (parts.text !== null && !parts.text.includes(parts.body.text)) lost.push('text');
  if (!lost.length) return;
  throw new MailroomError(
    ErrorCodes.TEMPLATE_RENDER,
    `the layout "${layout}" left out the body of ${where} (${locale}, ${lost.join(' and ')}): a layout must output {{ content }} whatever the data, branding and locale; fix the layout`,
    { part: `layout.${lost[0]}`, locale },
  );
}

/**
 * A body that rendered to nothing but white space for this data (a condition around all of it
 * was false): the template's failure, not the caller's, who named a template and may not give
 * text or html. Judged on the body before a layout framed it; null when there is a body.
 */
function emptyBody(parts: EngineOutput, content: LocaleContent, where: string, locale: string): MailroomError | null {
  const body = parts.body ?? { html: parts.html, text: parts.text };
  const blank = (s: string | null) => s === null || s.trim() === '';
  if (!blank(body.html) || !blank(body.text)) return null;
  const part = content.html !== null ? 'html' : 'text';
  return new MailroomError(
    ErrorCodes.TEMPLATE_RENDER,
    `the template rendered an empty body for this data (${where}, ${locale}, ${part}): check the conditions around its body and the data given for them`,
    { part, locale },
  );
}

/** The parts as a caller gets them: the subject checked, the body kept by the layout, nothing else. */
function finished(parts: EngineOutput, where: string, locale: string, layout: string | null): RenderedParts {
  if (layout !== null) checkBodyKept(parts, where, locale, layout);
  return checkSubject(parts, where, locale);
}

function checkSubject(parts: RenderedParts, where: string, locale: string): RenderedParts {
  if (hasHeaderUnsafeChars(parts.subject)) {
    throw new MailroomError(ErrorCodes.HEADER_INJECTION, `the subject rendered from ${where} (${locale}) contains a line break or NUL character: check the data given for it`, { field: 'subject', locale });
  }
  const control = headerControl(parts.subject);
  if (control) {
    throw new MailroomError(ErrorCodes.VALIDATION, `the subject rendered from ${where} (${locale}) contains ${control}, which has no place in a mail header: check the data given for it`, { field: 'subject', locale });
  }
  const subject = whole(parts.subject.trim());
  // Checked here, not only when the message is built: a save renders with the sample data and a
  // preview shows what a send would do, so a subject too long for a header is refused by both.
  if (subject.length > LIMITS.subjectChars && characters(subject) > LIMITS.subjectChars) {
    throw new MailroomError(ErrorCodes.SUBJECT_TOO_LONG, `the subject rendered from ${where} (${locale}) is ${characters(subject)} characters; the limit is ${LIMITS.subjectChars}`, { field: 'subject', locale, limit: LIMITS.subjectChars });
  }
  return { subject, html: parts.html === null ? null : whole(parts.html), text: parts.text === null ? null : whole(parts.text) };
}

/**
 * Renders a saved template: the locale by the fallback chain (asked → its language → the
 * default locale → en), its layout, `settings.branding` as `brand`. Parses are reused per
 * template version. The one entry point for messages, previews, test sends and, later, rules.
 */
export async function renderTemplate(ctx: CoreContext, req: TemplateRequest): Promise<RenderedTemplate> {
  const repos = ctx.store.repos;
  const [template, settings] = await Promise.all([repos.templates.get(req.key), readTemplateSettings(repos)]);
  if (!template) throw new MailroomError(ErrorCodes.VALIDATION, `template: "${req.key}" does not exist (GET /api/v1/templates lists them)`, { field: 'template' });
  return renderSaved(ctx, template, req, settings);
}

export async function renderSaved(ctx: CoreContext, template: Template, req: Omit<TemplateRequest, 'key'>, settings: { branding: Branding; defaultLocale: string }): Promise<RenderedTemplate> {
  const { rendered, empty } = await renderSavedParts(ctx, template, req, settings);
  if (empty) throw empty;
  return rendered;
}

/**
 * As renderSaved, for a preview: an empty body is shown (with the refusal a send would get as
 * its warning) rather than refused, so the author sees what the data made of the template.
 */
export async function previewSaved(ctx: CoreContext, template: Template, req: Omit<TemplateRequest, 'key'>, settings: { branding: Branding; defaultLocale: string }): Promise<RenderedTemplate & { warning: MailroomError | null }> {
  const { rendered, empty } = await renderSavedParts(ctx, template, req, settings);
  return { ...rendered, warning: empty };
}

async function renderSavedParts(ctx: CoreContext, template: Template, req: Omit<TemplateRequest, 'key'>, settings: { branding: Branding; defaultLocale: string }): Promise<{ rendered: RenderedTemplate; empty: MailroomError | null }> {
  const locale = pickLocale(Object.keys(template.locales), req.locale, settings.defaultLocale);
  const layout = await layoutOf(ctx, template.layout);
  const content = template.locales[locale];
  const where = `template "${template.key}"`;
  const parts = await ctx.templates.engine.render(job(content, locale, layout, settings.branding, req.data, `t:${template.key}:${template.version}:${locale}`));
  const rendered = { ...finished(parts, where, locale, layout?.key ?? null), key: template.key, version: template.version, locale, purpose: template.purpose };
  return { rendered, empty: emptyBody(parts, content, where, locale) };
}

/**
 * Renders sources that are not saved (the editor's live preview, the checks before a save):
 * the layout by key, or a layout draft itself.
 */
export async function renderUnsaved(ctx: CoreContext, input: UnsavedInput): Promise<RenderedParts> {
  return (await renderUnsavedParts(ctx, input)).rendered;
}

/** As renderUnsaved, with the warning a send would get as a refusal when the body is empty (previewSaved). */
export async function previewUnsaved(ctx: CoreContext, input: UnsavedInput): Promise<RenderedParts & { warning: MailroomError | null }> {
  const { rendered, empty } = await renderUnsavedParts(ctx, input);
  return { ...rendered, warning: empty };
}

interface UnsavedInput {
  content: LocaleContent;
  locale: string;
  layout: string | LayoutDraft | null;
  data: Record<string, unknown>;
}

async function renderUnsavedParts(ctx: CoreContext, input: UnsavedInput): Promise<{ rendered: RenderedParts; empty: MailroomError | null }> {
  const [layout, settings] = await Promise.all([typeof input.layout === 'string' || input.layout === null ? layoutOf(ctx, input.layout) : input.layout, readTemplateSettings(ctx.store.repos)]);
  const parts = await ctx.templates.engine.render(job(input.content, input.locale, layout, settings.branding, input.data, null));
  // A layout draft (its own save check) says what it lost in its own words.
  const rendered = layout && 'key' in layout ? finished(parts, 'the template', input.locale, layout.key) : checkSubject(parts, 'the template', input.locale);
  return { rendered, empty: emptyBody(parts, input.content, 'the template', input.locale) };
}

/** Refuses a layout key that names no layout (null: no layout, fine). */
export async function requireLayout(ctx: CoreContext, key: string | null): Promise<void> {
  if (key !== null && !(await ctx.store.repos.layouts.get(key))) throw unknownLayout(key);
}

export const unknownLayout = (key: string) => invalid('layout', `"${key}" is not a layout (GET /api/v1/layouts lists them)`);

/**
 * A template is checked before it is saved: every locale must parse and render with its
 * sample data, within the limits. So a broken template is a 4xx at save time, never at send.
 */
export async function checkTemplate(ctx: CoreContext, draft: { layout: string | null; locales: Record<string, LocaleContent>; sampleData: Record<string, unknown> }): Promise<void> {
  await requireLayout(ctx, draft.layout);
  // One locale after the other: the first error reported is the same on every try.
  for (const [locale, content] of Object.entries(draft.locales)) await renderUnsaved(ctx, { content, locale, layout: draft.layout, data: draft.sampleData });
}
