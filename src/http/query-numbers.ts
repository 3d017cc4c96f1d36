import type { FastifyInstance } from 'fastify';
import { int } from '../core/kernel/validate.js';

/**
 * Whole-number query parameters (a list's `limit`). The schema says `integer`, so the OpenAPI
 * document, and the SDK built from it, take a number; the query string carries text, so a
 * value of decimal digits is turned into its number before validation. Anything else stays
 * text and the schema refuses it ("limit: must be integer"). Ajv's own coerceTypes stays off:
 * it would coerce JSON bodies too (a `to` of 5 would pass as "5").
 */
export function registerQueryNumbers(server: FastifyInstance): void {
  server.addHook('preValidation', async (req) => {
    const properties = (req.routeOptions.schema?.querystring as { properties?: Record<string, { type?: unknown }> } | undefined)?.properties;
    const query = req.query as Record<string, unknown> | undefined;
    if (!properties || !query) return;
    for (const [name, schema] of Object.entries(properties)) {
      const v = query[name];
      // A parameter given twice stays a list: the error handler names it ("must be given once").
      if (schema.type === 'integer' && typeof v === 'string' && /^[0-9]{1,15}$/.test(v)) query[name] = Number(v);
    }
  });
}

/** A list's `limit` query parameter: a whole number, its range said here and checked by pageLimit (which names it). */
export const limitQuery = (max: number, fallback: number) => ({ type: 'integer', description: `page size, 1 to ${max} (default ${fallback})` }) as const;

/** The page size a list was asked for, or its default; `limit` outside 1..max is refused, naming it. */
export function pageLimit(limit: number | undefined, max: number, fallback: number): number {
  return limit === undefined ? fallback : int('limit', limit, 1, max);
}
