import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, register } from 'prom-client';

let defaultsCollected = false;

/** Prometheus metrics: process defaults plus whatever the delivery and relay areas register. */
export function metricsRoutes() {
  return async (app: FastifyInstance) => {
    if (!defaultsCollected) {
      collectDefaultMetrics({ prefix: 'mailroom_' });
      defaultsCollected = true;
    }
    app.get('/metrics', { config: { permission: 'public' }, schema: { hide: true } }, async (_req, reply) => {
      reply.header('content-type', register.contentType);
      return register.metrics();
    });
  };
}
