import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { ping } from '../../store/database.js';
import { migrationsComplete } from '../../store/migrator.js';
import type { DB } from '../../store/schema.js';

/** Liveness (the process answers) and readiness (database reachable, migrations applied). */
export function healthRoutes(db: Kysely<DB>) {
  return async (app: FastifyInstance) => {
    app.get('/healthz', { config: { permission: 'public' }, schema: { tags: ['health'] } }, async () => ({ status: 'ok' }));
    app.get('/readyz', { config: { permission: 'public' }, schema: { tags: ['health'] } }, async (_req, reply) => {
      try {
        await ping(db);
        if (!(await migrationsComplete(db))) return reply.status(503).send({ status: 'not ready', reason: 'database migrations are pending' });
        return { status: 'ready' };
      } catch (err) {
        return reply.status(503).send({ status: 'not ready', reason: `database unreachable: ${(err as Error).message}` });
      }
    });
  };
}
