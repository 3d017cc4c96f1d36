import type { FastifyInstance } from 'fastify';

/**
 * Content-Security-Policy per kind of answer (docs/security.md, "Content Security Policy").
 * The admin UI will show hostile mail (replies, bounces); if anything ever slipped into its
 * page, the policy is what keeps it from running or calling out.
 */
const policy = (directives: Record<string, string>) =>
  Object.entries(directives)
    .map(([name, value]) => (value ? `${name} ${value}` : name))
    .join('; ');

/**
 * The admin UI: Vite builds it into files under /assets (no inline script, no eval), so only
 * the app's own files run; images are its own or data: URLs (the favicon); it talks to its
 * own API only. Trusted Types close the DOM sinks (innerHTML, script text …) as well: the UI
 * never uses them, so any use is an injection.
 */
export const UI_POLICY = policy({
  'default-src': "'self'",
  'script-src': "'self'",
  'style-src': "'self'",
  'img-src': "'self' data:",
  'font-src': "'self'",
  'connect-src': "'self'",
  // The HTML part of a message, and a template preview, are frames of Mailroom's own
  // (/api/v1/messages/:id/html, /api/v1/previews/:id) under their own sandboxed policy.
  'frame-src': "'self'",
  'worker-src': "'none'",
  'object-src': "'none'",
  'base-uri': "'none'",
  'form-action': "'self'",
  'frame-ancestors': "'none'",
  'require-trusted-types-for': "'script'",
  'trusted-types': "'none'",
});

/** Swagger UI at /docs: its own script files only; its icons are data: images. */
export const DOCS_POLICY = policy({
  'default-src': "'self'",
  'script-src': "'self'",
  // Swagger UI injects a <style> element at run time; styles run no code, and /docs shows only Mailroom's own schema.
  'style-src': "'self' 'unsafe-inline'",
  'img-src': "'self' data:",
  'connect-src': "'self'",
  'object-src': "'none'",
  'base-uri': "'none'",
  'form-action': "'self'",
  'frame-ancestors': "'none'",
});

/** JSON, metrics, scripts, styles: nothing in them is a document to run. */
export const DATA_POLICY = policy({ 'default-src': "'none'", 'frame-ancestors': "'none'" });

/**
 * A message's HTML part, shown in the UI's `<iframe sandbox="">`. `sandbox` (no flags) makes
 * it an origin of its own without scripts, forms, popups or navigation of the page, even when
 * someone opens the URL directly; no script source is allowed either. Styles inline only; no
 * remote images, styles or fonts (tracking pixels) unless the admin chooses "Load remote
 * content" (`remote`), as mail clients do. Only Mailroom's own pages may frame it.
 */
export function messageContentPolicy(remote: boolean): string {
  const web = remote ? ' https: http:' : '';
  return policy({
    sandbox: '',
    'default-src': "'none'",
    'style-src': `'unsafe-inline'${web}`,
    'img-src': `data:${web}`,
    'font-src': `data:${web}`,
    'base-uri': "'none'",
    'form-action': "'none'",
    'frame-ancestors': "'self'",
  });
}

/**
 * Sets the security headers on every answer: the policy for its kind (HTML of /docs, other
 * HTML, anything else), unless the route chose one; framing refused unless the route allows
 * its own pages (the message content); no MIME sniffing; no referrer.
 */
export function registerSecurityHeaders(server: FastifyInstance): void {
  server.addHook('onSend', async (request, reply) => {
    // A 304's headers replace the cached answer's (RFC 9111 4.3.4), and it has no content type to
    // choose by: the data policy on it would block the cached UI page's own script. It keeps the
    // policy the full answer carried.
    if (!reply.hasHeader('content-security-policy') && reply.statusCode !== 304) {
      const html = /^text\/html/i.test(String(reply.getHeader('content-type') ?? ''));
      const docs = request.url === '/docs' || request.url.startsWith('/docs/');
      reply.header('content-security-policy', !html ? DATA_POLICY : docs ? DOCS_POLICY : UI_POLICY);
    }
    if (!reply.hasHeader('x-frame-options')) reply.header('x-frame-options', 'DENY');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
  });
}
