import type { WebhookEndpoint } from '../../api.js';

/**
 * What an endpoint is called where a title names it: its description, else its address without
 * the scheme and the query (`hooks.example.com/mailroom`). The query is left out since receivers
 * often carry a token there; the page shows the whole URL in its facts.
 */
export function endpointName(e: Pick<WebhookEndpoint, 'description' | 'url'>): string {
  if (e.description?.trim()) return e.description.trim();
  try {
    const u = new URL(e.url);
    return `${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return e.url;
  }
}
