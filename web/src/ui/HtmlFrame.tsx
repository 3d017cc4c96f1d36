/** Also blocks remote images and fonts (tracking pixels) inside the sandboxed frame. */
const CSP = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data: cid:; style-src 'unsafe-inline'">`;

/**
 * HTML mail shown safely: `sandbox=""` (no scripts, no forms, no same-origin access), a CSP
 * that loads nothing remote, no referrer. For the log's messages and the template previews.
 */
export function HtmlFrame({ html, title, className = 'html-frame' }: { html: string; title: string; className?: string }) {
  return <iframe title={title} className={className} sandbox="" srcDoc={CSP + html} referrerPolicy="no-referrer" />;
}
