import type { FastifyInstance } from 'fastify';
import { STORE_RETRY_AFTER_SEC } from '../../core/kernel/errors.js';
import type { Ports } from '../../ports.js';

/**
 * Liveness (the process answers) and readiness (database reachable and taking writes,
 * migrations applied). A 503 from /readyz carries Retry-After like every other route's 503
 * while the store is away. A database that answers but takes no writes (a standby, read-only)
 * is not ready: a load balancer must not send it the requests that would all fail.
 */
export function healthRoutes({ health }: Pick<Ports, 'health'>) {
  return async (app: FastifyInstance) => {
    app.get('/healthz', { config: { permission: 'public' }, schema: { tags: ['health'] } }, async () => ({ status: 'ok' }));
    app.get('/readyz', { config: { permission: 'public' }, schema: { tags: ['health'] } }, async (_req, reply) => {
      try {
        await health.ping();
        const reason = (await health.migrationsComplete()) ? await health.writeRefusal() : 'database migrations are pending';
        if (reason) return reply.status(503).header('retry-after', String(STORE_RETRY_AFTER_SEC)).send({ status: 'not ready', reason });
        return { status: 'ready' };
      } catch (err) {
        return reply.status(503).header('retry-after', String(STORE_RETRY_AFTER_SEC)).send({ status: 'not ready', reason: `database unreachable: ${(err as Error).message}` });
      }
    });
  };
}
