import { requirePermission, type Principal } from '../access/auth.js';
import type { Actor } from '../kernel/audit.js';
import { audit, type CoreContext } from '../context.js';
import { formatMailbox, parseMailbox } from '../kernel/addresses.js';
import { invalid, notFound, type MailroomError } from '../kernel/errors.js';
import type { RateWindow } from '../kernel/rate-window.js';
import { doc, onlyKeys, optStr } from '../kernel/validate.js';
import { submitMessage } from '../outbox/messages.service.js';
import { readTemplateSettings } from './branding.js';
import { localeTag } from './locales.js';
import type { RenderedParts } from './ports.js';
import { previewSaved, previewUnsaved, requireLayout } from './render.js';
import { DEFAULT_LAYOUT, keyOrNone, localeContent, templateData, templateKey } from './templates.js';

export interface Preview extends RenderedParts {
  locale: string;
  /** The saved version rendered; null for unsaved content. */
  version: number | null;
  /**
   * What a send with this data would be refused for, though the preview shows it: the body
   * rendered empty (MAILROOM_E_TEMPLATE_RENDER, details.part and locale). Null when none.
   */
  warning: PreviewWarning | null;
}

/** A refusal a send would get, shown beside the preview instead. */
export interface PreviewWarning {
  code: string;
  message: string;
  details: Record<string, unknown>;
}

const warningOf = (err: MailroomError | null): PreviewWarning | null => (err ? { code: err.code, message: err.message, details: { ...(err.details ?? {}) } } : null);

/**
 * POST /templates/:key/preview: the saved template (its sample data unless `data` is given),
 * or — for the editor's live preview, admins only — unsaved `content` for one locale with the
 * template's layout (or `layout`). Nothing is stored or sent.
 */
export async function previewTemplate(ctx: CoreContext, principal: Principal, key: string, input: unknown): Promise<Preview> {
  const d = doc('body', input ?? {});
  onlyKeys('body', d, ['locale', 'data', 'content', 'layout']);
  const locale = d.locale === undefined || d.locale === null ? undefined : localeTag('locale', d.locale);
  const data = d.data === undefined ? undefined : templateData('data', d.data);
  const saved = await ctx.store.repos.templates.get(key);
  if (d.content === undefined) {
    if (d.layout !== undefined) throw invalid('layout', 'is only used with content (an unsaved draft)');
    if (!saved) throw notFound('template', key);
    const r = await previewSaved(ctx, saved, { locale, data: data ?? saved.sampleData }, await readTemplateSettings(ctx.store.repos));
    return { subject: r.subject, html: r.html, text: r.text, locale: r.locale, version: r.version, warning: warningOf(r.warning) };
  }
  // Unsaved sources are an author's tool: rendering arbitrary text is for admins.
  requirePermission(principal, 'admin');
  templateKey('key', key);
  const content = localeContent('content', d.content);
  const layout = d.layout === undefined ? (saved ? saved.layout : DEFAULT_LAYOUT) : keyOrNone('layout', d.layout);
  // As a save would refuse it: a preview without the layout asked for would show what no save can make.
  await requireLayout(ctx, layout);
  const at = locale ?? 'en';
  const { warning, ...parts } = await previewUnsaved(ctx, { content, locale: at, layout, data: data ?? saved?.sampleData ?? {} });
  return { ...parts, locale: at, version: null, warning: warningOf(warning) };
}

/**
 * POST /templates/:key/test: the saved template rendered into a real message through the
 * outbox (purpose "test"), to the caller's own address unless `to` is given. Logged, retried
 * and followed like any message; the log shows the template version and locale.
 */
export async function sendTemplateTest(ctx: CoreContext, limiter: RateWindow, principal: Principal, actor: Actor, key: string, input: unknown): Promise<{ messageId: string }> {
  requirePermission(principal, 'admin');
  const d = doc('body', input ?? {});
  onlyKeys('body', d, ['to', 'locale', 'data', 'accountId']);
  const template = await ctx.store.repos.templates.get(key);
  if (!template) throw notFound('template', key);
  const given = optStr('to', d.to, { max: 320 });
  // `Name <addr>` keeps its name, in the To header as in the log: the test shows what a message to that person looks like.
  const to = given === undefined ? await callerAddress(ctx, principal) : formatMailbox(parseMailbox('to', given));
  limiter.take(principal.id);
  const message: Record<string, unknown> = { purpose: 'test', to: [to], template: key, data: d.data === undefined ? template.sampleData : d.data };
  if (d.locale !== undefined) message.locale = d.locale;
  if (d.accountId !== undefined) message.accountId = d.accountId;
  // The admin chose to send it; choosing the account is an override whatever the key's own flag.
  const { id } = await submitMessage(ctx, { ...principal, allowOverride: true }, message, { source: 'test' });
  await audit(ctx.store.repos, ctx, actor, 'template.test', { type: 'template', id: key }, undefined, { messageId: id, to, version: template.version });
  return { messageId: id };
}

/** The signed-in user's own address, where tests go when no `to` is given (an API key has none). */
export async function callerAddress(ctx: CoreContext, principal: Principal): Promise<string> {
  const user = principal.kind === 'user' ? await ctx.store.repos.users.get(principal.id) : undefined;
  if (!user) throw invalid('to', 'is required: an API key has no mailbox of its own (signed-in users get the test at their own address)');
  return user.email;
}
