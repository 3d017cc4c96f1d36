import type { FastifyInstance } from 'fastify';
import { notFoundBody } from './errors.js';

/**
 * A path that stops where a route's parameter would be (`GET /servers/`, `/domains//check`)
 * matches that route with the parameter empty, and was answered as if an item with the id ""
 * had been asked for ("server  does not exist"). No item has an empty id, key or address: it is
 * a path no route serves, answered as every other one, before authentication as they are.
 * (The static files' wildcard `*` is a file path: empty, it is the UI's index.)
 */
export function registerEmptyPathParameterCheck(server: FastifyInstance): void {
  server.addHook('onRequest', async (request, reply) => {
    const params = request.params as Record<string, unknown> | undefined;
    if (!params || typeof params !== 'object') return;
    if (Object.entries(params).some(([name, value]) => name !== '*' && value === '')) return reply.status(404).send(notFoundBody(request.method, request.url));
  });
}
