import type { FastifyInstance } from 'fastify';
import { listProcesses } from '../../core/processes/processes.service.js';
import type { Ports } from '../../ports.js';

/** The Mailroom processes sharing the store: alive or gone, the one answering marked `self`. */
export function processesRoutes({ ctx, processId }: Pick<Ports, 'ctx' | 'processId'>) {
  return async (app: FastifyInstance) => {
    app.get('/processes', { config: { permission: 'read' }, schema: { tags: ['processes'] } }, async () => listProcesses(ctx, processId));
  };
}
