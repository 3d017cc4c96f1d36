/**
 * A domain as the server stores DKIM keys and checks DNS: lower case, without a trailing dot,
 * each label written in Unicode in its ASCII form (`Bücher.example.` → `xn--bcher-kva.example`,
 * by the browser's own URL parser, which converts host names so). Null for text that is no mail
 * domain (`not a domain!`, a bare word, an IP address): the page says so instead of opening
 * cards for a domain the server would refuse, or one it stores under another spelling (a key
 * looked up as `example.com.` is not found, and creating one replaced the key of `example.com`).
 */
export function mailDomain(text: string): string | null {
  const typed = text.trim().toLowerCase().replace(/\.$/, '');
  if (!typed || /[\s/?#@:[\]\\]/.test(typed)) return null;
  let host: string;
  try {
    host = new URL(`http://${typed}`).hostname;
  } catch {
    return null;
  }
  const labels = host.split('.');
  if (labels.length < 2 || /^[0-9.]+$/.test(host)) return null;
  return labels.every((l) => /^[a-z0-9_]([a-z0-9_-]{0,62})$/.test(l)) ? host : null;
}
