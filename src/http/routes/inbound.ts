import type { FastifyInstance } from 'fastify';
import { inboundStatus } from '../../core/inbound/status.service.js';
import type { Ports } from '../../ports.js';

/** The inbox's unread count and the IMAP readers' state per account and folder. */
export function inboundRoutes({ ctx }: Pick<Ports, 'ctx'>) {
  return async (app: FastifyInstance) => {
    app.get('/inbound/status', { config: { permission: 'read' }, schema: { tags: ['inbound'] } }, async () => inboundStatus(ctx));
  };
}
