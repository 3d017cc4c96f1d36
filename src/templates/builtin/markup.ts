/**
 * The building blocks of the built-in templates, so the nine of them share one look: each
 * returns Liquid/HTML source text (what an admin sees and edits), with inline styles because
 * many mail clients drop style sheets.
 */
export const h1 = (s: string) => `<h1 style="margin:0 0 16px 0;font-size:22px;line-height:1.3;color:#111827;">${s}</h1>`;
export const p = (s: string) => `<p style="margin:0 0 16px 0;">${s}</p>`;
/** Secondary text: small, grey with enough contrast (7:1 on white). */
export const note = (s: string) => `<p style="margin:16px 0 0 0;font-size:13px;line-height:1.5;color:#4b5563;">${s}</p>`;
/** Quoted text from the data (a reason, a message): line breaks kept, everything escaped. */
export const quote = (liquid: string) => `<p style="margin:0 0 16px 0;padding:12px 16px;background-color:#f9fafb;border-left:4px solid #d1d5db;">{{ ${liquid} | escape | newline_to_br | raw }}</p>`;
/** The link under a button, for clients that do not show the button. */
export const fallbackLink = (intro: string, url: string) => note(`${intro}<br><a href="{{ ${url} }}" style="color:#4b5563;word-break:break-all;">{{ ${url} }}</a>`);
export const html = (...blocks: string[]) => `${blocks.join('\n')}\n`;
export const text = (...paragraphs: string[]) => `${paragraphs.join('\n\n')}\n`;

/** "Hello Ann," or "Hello," when the data has no name. */
export const hello = {
  en: (who = 'user.name') => `{% if ${who} %}Hello {{ ${who} }},{% else %}Hello,{% endif %}`,
  de: (who = 'user.name') => `{% if ${who} %}Guten Tag {{ ${who} }},{% else %}Guten Tag,{% endif %}`,
};
