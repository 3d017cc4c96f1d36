import type { Liquid } from 'liquidjs';
import { controlsToSpaces } from '../core/kernel/header-safety.js';

/** HTML that Mailroom built itself (a layout's `content`, a button): output as it is, not escaped. */
export class Markup {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

const FALLBACK_COLOR = '#2563eb';
const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/**
 * Mailroom's own filters (docs/templates.md):
 * - `{{ url | button: "Label" }}`: a call-to-action button in the brand colour that renders in
 *   every common client (a table cell with a link, no images or scripts). Only https:, http: and
 *   mailto: links: anything else (javascript:, data:) is a render error.
 */
export function registerFilters(liquid: Liquid): void {
  // `squish` is how typed text goes into a subject (docs/templates.md): LiquidJS's makes runs of
  // blanks one space, but left an escape or a bell, which a subject refuses. Each run of control
  // characters is a blank first, so a visitor's slip is a space, not a refused reply.
  const squish = liquid.filters.squish as (this: unknown, v: unknown, ...rest: unknown[]) => unknown;
  liquid.registerFilter('squish', function (this: unknown, v: unknown, ...rest: unknown[]) {
    return squish.call(this, typeof v === 'string' ? controlsToSpaces(v) : v, ...rest);
  });
  liquid.registerFilter('button', function (this: { context: { getSync(path: string[]): unknown } }, url: unknown, label: unknown) {
    const href = String(url ?? '');
    if (!/^(https?:\/\/|mailto:)[^\s]+$/i.test(href)) throw new Error(`button: the link must start with https://, http:// or mailto: (got "${href.slice(0, 60)}")`);
    let color = FALLBACK_COLOR;
    try {
      const c = this.context.getSync(['brand', 'color']);
      if (typeof c === 'string' && /^#[0-9a-f]{6}$/i.test(c)) color = c;
    } catch {
      // No brand in scope: the default colour.
    }
    const text = escapeHtml(String(label ?? href));
    return new Markup(
      `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:24px 0;"><tr><td style="border-radius:6px;background-color:${color};">` +
        `<a href="${escapeHtml(href)}" style="display:inline-block;padding:12px 24px;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:16px;font-weight:600;line-height:1.25;color:#ffffff;text-decoration:none;border-radius:6px;">${text}</a>` +
        `</td></tr></table>`,
    );
  });
}
