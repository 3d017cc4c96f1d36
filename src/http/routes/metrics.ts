import type { FastifyInstance } from 'fastify';
import type { Ports } from '../../ports.js';

/** GET /metrics: Prometheus text (process metrics, message counters, outbox gauges; src/metrics). */
export function metricsRoutes({ metrics }: Pick<Ports, 'metrics'>) {
  return async (server: FastifyInstance) => {
    server.get('/metrics', { config: { permission: 'public' }, schema: { hide: true } }, async (_req, reply) => {
      reply.header('content-type', metrics.contentType);
      return metrics.text();
    });
  };
}
