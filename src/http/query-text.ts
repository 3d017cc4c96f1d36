import type { FastifyInstance } from 'fastify';
import { invalid } from '../core/kernel/errors.js';
import { hasControlChars, shown } from '../core/kernel/header-safety.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The query string is written by someone else (an OAuth2 provider's redirect, whose
     * error_description has line breaks): the route reads it as untrusted text itself, and a
     * refusal here would show the browser a JSON error instead of the route's answer.
     */
    foreignQuery?: boolean;
  }
}

/**
 * Query parameters are searches, filters and cursors, and path parameters are ids, keys,
 * names and addresses: a control character in one (`?q=%00`, `/servers/a%00b`) is never meant,
 * and the databases disagree about it (PostgreSQL refuses a NUL in text, SQLite matches
 * nothing). Every route refuses it alike, naming the parameter, before anything reads it.
 * (A NUL in a JSON body is refused by the body parser, src/http/bodies.ts.)
 */
export function registerQueryTextCheck(server: FastifyInstance): void {
  server.addHook('preValidation', async (req) => {
    for (const part of req.routeOptions.config?.foreignQuery ? [req.params] : [req.params, req.query]) {
      if (!part || typeof part !== 'object') continue;
      for (const [name, value] of Object.entries(part as Record<string, unknown>)) {
        // The static files' wildcard: a file name, found or not by @fastify/static, never stored.
        if (part === req.params && name === '*') continue;
        const values = Array.isArray(value) ? value : [value];
        if (values.some((v) => typeof v === 'string' && hasControlChars(v))) throw invalid(shown(name), 'must not contain control characters (a NUL, a line break, a tab)');
      }
    }
  });
}
