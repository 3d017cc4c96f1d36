import type { FastifyInstance, RouteOptions } from 'fastify';
import { refuseEmpty } from '../core/kernel/validate.js';

interface QuerySchema {
  type?: string;
  properties?: Record<string, unknown>;
  additionalProperties?: unknown;
}

/**
 * An /api/v1 route takes the query parameters its schema names and no others: a route without
 * a querystring schema takes none, one with a schema refuses what it does not name
 * (MAILROOM_E_UNKNOWN_FIELD). Ignored, `GET /servers?limit=10` or `GET /accounts?server=…`
 * answered the whole list, which the caller reads as the one it asked for. A route answering
 * a redirect from elsewhere (the OAuth2 callback: providers add parameters of their own) says
 * `additionalProperties: true` and is left open. Runs in onRoute, before the route's OpenAPI
 * entry and error codes are derived from its schema.
 */
export function closeQuery(route: RouteOptions): void {
  if (!route.url.startsWith('/api/')) return;
  const schema = (route.schema ?? {}) as { querystring?: QuerySchema };
  const query = schema.querystring;
  if (query?.additionalProperties !== undefined) return;
  route.schema = { ...schema, querystring: { type: 'object', properties: {}, ...query, additionalProperties: false } };
}

/**
 * A parameter the route takes, given empty (`?status=`, `?purpose=`), asks for nothing: the
 * list came back unfiltered, as if the filter held. Every closed /api/v1 route refuses it,
 * naming it. (Names the route does not take are left to the schema: unknown field.)
 */
export function registerEmptyQueryCheck(server: FastifyInstance): void {
  server.addHook('preValidation', async (req) => {
    const schema = req.routeOptions.schema?.querystring as QuerySchema | undefined;
    if (!req.routeOptions.url?.startsWith('/api/') || !schema || schema.additionalProperties !== false) return;
    for (const [name, value] of Object.entries((req.query ?? {}) as Record<string, unknown>)) {
      if (schema.properties && name in schema.properties) refuseEmpty(name, value, 'leave the parameter out instead');
    }
  });
}
