/**
 * HTML mail shown safely: a document of Mailroom's own (a stored message's HTML part, or a
 * preview page) whose own policy keeps scripts off and remote content out, in an
 * `<iframe sandbox="">` (no scripts, no forms, no same-origin access), without a referrer.
 * Never srcdoc: the admin UI's Trusted Types forbid it.
 */
export function HtmlFrame({ src, title, className = 'html-frame' }: { src: string; title: string; className?: string }) {
  return <iframe key={src} title={title} className={className} sandbox="" src={src} referrerPolicy="no-referrer" />;
}
