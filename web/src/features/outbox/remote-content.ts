/**
 * Whether a message's HTML asks for anything from the network: images, backgrounds, styles,
 * fonts (the CSP of its frame blocks them all until the admin chooses to load them). Only
 * decides whether to offer "Load remote content"; blocking never depends on it.
 */
const REMOTE = [
  // <img src>, srcset, <td background>, <video poster>, <input type=image src> …
  /\b(?:src|srcset|background|poster|lowsrc|dynsrc)\s*=\s*["']?\s*(?:https?:)?\/\//i,
  // CSS: url(…) in a style attribute or element, @import
  /url\(\s*["']?\s*(?:https?:)?\/\//i,
  /@import\s+["']?\s*(?:https?:)?\/\//i,
  // <link rel=stylesheet href=…>
  /<link\b[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?\/\//i,
];

export function hasRemoteContent(html: string): boolean {
  return REMOTE.some((r) => r.test(html));
}
