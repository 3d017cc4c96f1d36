import type { FastifyInstance } from 'fastify';
import { int } from '../core/kernel/validate.js';

/**
 * Whole-number query and path parameters (a list's `limit`, a template's `version`). The schema
 * says `integer`, so the OpenAPI document, and the SDK built from it, take a number; the URL
 * carries text, so a value of decimal digits (a minus sign first or not) is turned into its number before validation.
 * Anything else stays text and the schema refuses it ("limit: must be integer"). Ajv's own
 * coerceTypes stays off: it would coerce JSON bodies too (a `to` of 5 would pass as "5").
 */
export function registerNumberParameters(server: FastifyInstance): void {
  server.addHook('preValidation', async (req) => {
    const schema = req.routeOptions.schema;
    toNumbers(schema?.querystring, req.query);
    toNumbers(schema?.params, req.params);
  });
}

function toNumbers(schema: unknown, values: unknown): void {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> } | undefined)?.properties;
  if (!properties || !values) return;
  const given = values as Record<string, unknown>;
  for (const [name, property] of Object.entries(properties)) {
    const v = given[name];
    // A query parameter given twice stays a list: the error handler names it ("must be given once").
    // Any whole number, negative or past the range too: the range check then names the range
    // ("must be between 1 and 500, got -1") rather than calling -1 no whole number.
    if (property.type === 'integer' && typeof v === 'string' && /^-?[0-9]{1,20}$/.test(v)) given[name] = Number(v);
  }
}

/** A list's `limit` query parameter: a whole number, its range said here and checked by pageLimit (which names it). */
export const limitQuery = (max: number, fallback: number) => ({ type: 'integer', description: `page size, 1 to ${max} (default ${fallback})` }) as const;

/** The page size a list was asked for, or its default; `limit` outside 1..max is refused, naming it. */
export function pageLimit(limit: number | undefined, max: number, fallback: number): number {
  return limit === undefined ? fallback : int('limit', limit, 1, max);
}
