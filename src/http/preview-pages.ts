import type { CoreContext } from '../core/context.js';
import { keepPreviewPage, PREVIEW_LIMITS, previewPageHtml, type PreviewLimits } from '../core/templates/preview-pages.js';

/**
 * Rendered HTML that has no URL of its own (a template or layout preview, unsaved) gets one for
 * a minute, so the editor's frame loads it as a document of Mailroom's own under the sandboxed
 * message policy, as a stored message's HTML part is: an inline srcdoc would need Trusted
 * Types, and a blob: document would inherit the admin UI's policy (no inline styles, which mail
 * depends on). Kept in the store, not in this process's memory: with several processes behind
 * a load balancer the frame's request may reach another one. What they may hold is bounded per
 * caller and in total (src/core/templates/preview-pages.ts).
 */
export class PreviewPages {
  constructor(private readonly limits: PreviewLimits = PREVIEW_LIMITS) {}

  /** Keeps `html` for the caller `owner` (a principal's id) and returns the id its URL names. */
  put(ctx: CoreContext, owner: string, html: string): Promise<string> {
    return keepPreviewPage(ctx, owner, html, this.limits);
  }

  /** The page's HTML; NOT_FOUND once it expired or its caller's newer ones evicted it. */
  get(ctx: CoreContext, id: string): Promise<string> {
    return previewPageHtml(ctx, id);
  }
}

/** A preview answer with `htmlUrl`: where the editor's frame loads its HTML part (GET /previews/:id). */
export async function withPreviewPage<T extends { html: string | null }>(ctx: CoreContext, pages: PreviewPages, owner: string, preview: T): Promise<T & { htmlUrl: string | null }> {
  return { ...preview, htmlUrl: preview.html === null ? null : `/api/v1/previews/${await pages.put(ctx, owner, preview.html)}` };
}
