import type { FastifyInstance } from 'fastify';
import type { Ports } from '../../ports.js';
import { createServer, deleteServer, getServer, listServers, updateServer } from '../../core/senders/servers.service.js';
import { actorOf } from '../auth.js';
import { idParams, serverBody } from '../schemas.js';

type IdParams = { Params: { id: string } };

export function serversRoutes({ ctx }: Pick<Ports, 'ctx'>) {
  return async (app: FastifyInstance) => {
    app.get('/servers', { config: { permission: 'read' }, schema: { tags: ['servers'] } }, async () => ({ items: await listServers(ctx) }));
    app.get<IdParams>('/servers/:id', { config: { permission: 'read' }, schema: { tags: ['servers'], params: idParams } }, async (req) => getServer(ctx, req.params.id));
    app.post('/servers', { config: { permission: 'admin' }, schema: { tags: ['servers'], body: serverBody } }, async (req, reply) =>
      reply.status(201).send(await createServer(ctx, actorOf(req), req.body)),
    );
    app.patch<IdParams>('/servers/:id', { config: { permission: 'admin' }, schema: { tags: ['servers'], params: idParams, body: serverBody } }, async (req) =>
      updateServer(ctx, actorOf(req), req.params.id, req.body),
    );
    app.delete<IdParams>('/servers/:id', { config: { permission: 'admin' }, schema: { tags: ['servers'], params: idParams } }, async (req, reply) => {
      await deleteServer(ctx, actorOf(req), req.params.id);
      return reply.status(204).send();
    });
  };
}
