import { randomBytes } from 'node:crypto';
import { TTLCache } from '@isaacs/ttlcache';

/** How long a preview page can be fetched: the frame loads it at once. */
const PREVIEW_TTL_MS = 60_000;
/** Previews kept at most (the oldest go first): a busy editor makes one per keystroke pause. */
const MAX_PREVIEWS = 500;

/**
 * Rendered HTML that has no URL of its own (a template or layout preview, unsaved) gets one for
 * a minute, so the editor's frame loads it as a document of Mailroom's own under the sandboxed
 * message policy, as a stored message's HTML part is: an inline srcdoc would need Trusted
 * Types, and a blob: document would inherit the admin UI's policy (no inline styles, which mail
 * depends on). In memory and per process: the frame asks the process that rendered it.
 */
export class PreviewPages {
  private pages = new TTLCache<string, string>({ ttl: PREVIEW_TTL_MS, max: MAX_PREVIEWS });

  /** Keeps `html` and returns the id its URL names. */
  put(html: string): string {
    const id = randomBytes(16).toString('base64url');
    this.pages.set(id, html);
    return id;
  }

  get(id: string): string | undefined {
    return this.pages.get(id);
  }
}

/** A preview answer with `htmlUrl`: where the editor's frame loads its HTML part (GET /previews/:id). */
export function withPreviewPage<T extends { html: string | null }>(pages: PreviewPages, preview: T): T & { htmlUrl: string | null } {
  return { ...preview, htmlUrl: preview.html === null ? null : `/api/v1/previews/${pages.put(preview.html)}` };
}
