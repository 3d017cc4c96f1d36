import { randomBytes } from 'node:crypto';
import type { CoreContext } from '../context.js';
import { ErrorCodes, MailroomError, notFound } from '../kernel/errors.js';

/** A rendered preview kept for the editor's frame (migration 035). */
export interface PreviewPage {
  /** Random, unguessable: the URL names it. */
  id: string;
  /** Who asked for it (the principal's id): the caps below are counted per caller. */
  owner: string;
  html: string;
  /** UTF-8 bytes of `html`. */
  bytes: number;
  createdAt: number;
  expiresAt: number;
}

/** What is counted of a live page: never its HTML. */
export type PreviewPageSize = Pick<PreviewPage, 'id' | 'owner' | 'bytes' | 'createdAt' | 'expiresAt'>;

/**
 * Preview pages, shared by every process on the database: the frame may load a page from a
 * process other than the one that rendered it (several `mailroom start` behind a balancer).
 */
export interface PreviewPageRepository {
  /** Serialises keeping pages until the transaction ends (PostgreSQL: several processes count at once). */
  lock(): Promise<void>;
  /** Drops the pages expired at `now`. */
  prune(now: number): Promise<void>;
  /** The live pages' sizes, oldest first. */
  live(now: number): Promise<PreviewPageSize[]>;
  insert(page: PreviewPage): Promise<void>;
  delete(ids: readonly string[]): Promise<void>;
  /** The HTML of a page still live at `now`. */
  html(id: string, now: number): Promise<string | undefined>;
}

/** How long a page lives, and what previews may hold at once. */
export interface PreviewLimits {
  ttlMs: number;
  /** Pages one caller may hold. */
  perCaller: number;
  /** UTF-8 bytes one caller's pages may hold. */
  callerBytes: number;
  /** UTF-8 bytes all pages may hold together. */
  totalBytes: number;
}

/**
 * A minute, as the frame loads its page at once. A caller's 10 newest pages (16 MiB at most:
 * a render is at most 2 Mi characters, 6 MiB of UTF-8) are what an editor typing needs; its
 * older ones make room. 64 MiB together: past that, a preview is refused until pages expire.
 */
export const PREVIEW_LIMITS: Readonly<PreviewLimits> = Object.freeze({ ttlMs: 60_000, perCaller: 10, callerBytes: 16 * 1024 * 1024, totalBytes: 64 * 1024 * 1024 });

/**
 * Keeps `html` for `owner` and returns the id its URL names. Within the caller's own caps its
 * oldest pages are evicted (the editor makes one per keystroke pause, and its frame has loaded
 * the earlier ones), so an editor is never refused for its own pace; past the total, which other
 * callers fill, MAILROOM_E_RATE_LIMITED with retryAfterSec (when enough of them expire), never
 * evicting another caller's page.
 */
export async function keepPreviewPage(ctx: CoreContext, owner: string, html: string, limits: PreviewLimits = PREVIEW_LIMITS): Promise<string> {
  const bytes = Buffer.byteLength(html);
  if (bytes > limits.callerBytes) {
    throw new MailroomError(ErrorCodes.RATE_LIMITED, `this preview is ${bytes} bytes; a caller's previews may hold ${limits.callerBytes} bytes`, { limit: limits.callerBytes });
  }
  const id = randomBytes(16).toString('base64url');
  await ctx.store.transaction(async (repos) => {
    await repos.previewPages.lock();
    const now = ctx.clock.now();
    await repos.previewPages.prune(now);
    const live = await repos.previewPages.live(now);
    const mine = live.filter((p) => p.owner === owner);
    const evicted = new Set<string>();
    let mineBytes = mine.reduce((n, p) => n + p.bytes, 0) + bytes;
    for (const p of mine) {
      if (mine.length - evicted.size < limits.perCaller && mineBytes <= limits.callerBytes) break;
      evicted.add(p.id);
      mineBytes -= p.bytes;
    }
    const kept = live.filter((p) => !evicted.has(p.id));
    const over = kept.reduce((n, p) => n + p.bytes, 0) + bytes - limits.totalBytes;
    if (over > 0) throw totalReached(kept, over, now, limits);
    if (evicted.size) await repos.previewPages.delete([...evicted]);
    // Strictly after the newest page: "oldest" stays well defined for pages made within one millisecond.
    const createdAt = Math.max(now, (live.at(-1)?.createdAt ?? 0) + 1);
    await repos.previewPages.insert({ id, owner, html, bytes, createdAt, expiresAt: now + limits.ttlMs });
  });
  return id;
}

/** The refusal past the total: retry when the pages that expire first have freed `over` bytes. */
function totalReached(kept: PreviewPageSize[], over: number, now: number, limits: PreviewLimits): MailroomError {
  let freed = 0;
  let at = now + limits.ttlMs;
  for (const p of [...kept].sort((x, y) => x.expiresAt - y.expiresAt)) {
    freed += p.bytes;
    if (freed >= over) {
      at = p.expiresAt;
      break;
    }
  }
  const retryAfterSec = Math.max(1, Math.ceil((at - now) / 1000));
  return new MailroomError(ErrorCodes.RATE_LIMITED, `previews kept for the editor hold ${limits.totalBytes} bytes at most together, and they are full; try again in ${retryAfterSec} s`, { retryAfterSec, limit: limits.totalBytes });
}

/** A page's HTML while it lives (GET /previews/:id); NOT_FOUND once expired or evicted. */
export async function previewPageHtml(ctx: CoreContext, id: string): Promise<string> {
  const html = await ctx.store.repos.previewPages.html(id, ctx.clock.now());
  if (html === undefined) throw notFound('preview', id);
  return html;
}
