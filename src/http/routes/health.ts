import type { FastifyInstance } from 'fastify';
import { STORE_RETRY_AFTER_SEC } from '../../core/kernel/errors.js';
import type { Ports } from '../../ports.js';

/**
 * Liveness (the process answers) and readiness (database reachable, migrations applied). A
 * 503 from /readyz carries Retry-After like every other route's 503 while the store is away.
 */
export function healthRoutes({ health }: Pick<Ports, 'health'>) {
  return async (app: FastifyInstance) => {
    app.get('/healthz', { config: { permission: 'public' }, schema: { tags: ['health'] } }, async () => ({ status: 'ok' }));
    app.get('/readyz', { config: { permission: 'public' }, schema: { tags: ['health'] } }, async (_req, reply) => {
      try {
        await health.ping();
        if (!(await health.migrationsComplete())) return reply.status(503).header('retry-after', String(STORE_RETRY_AFTER_SEC)).send({ status: 'not ready', reason: 'database migrations are pending' });
        return { status: 'ready' };
      } catch (err) {
        return reply.status(503).header('retry-after', String(STORE_RETRY_AFTER_SEC)).send({ status: 'not ready', reason: `database unreachable: ${(err as Error).message}` });
      }
    });
  };
}
