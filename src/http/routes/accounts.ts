import type { FastifyInstance } from 'fastify';
import { createAccount, deleteAccount, getAccount, listAccounts, publicAccount, updateAccount } from '../../core/senders/accounts.service.js';
import type { Ports } from '../../ports.js';
import { actorOf } from '../auth.js';
import { accountBody, idParams } from '../schemas.js';

type IdParams = { Params: { id: string } };

export function accountsRoutes({ ctx }: Pick<Ports, 'ctx'>) {
  return async (app: FastifyInstance) => {
    app.get<{ Querystring: { serverId?: string } }>(
      '/accounts',
      { config: { permission: 'read' }, schema: { tags: ['accounts'], querystring: { type: 'object', properties: { serverId: { type: 'string' } } } } },
      async (req) => ({ items: await listAccounts(ctx, { serverId: req.query.serverId }) }),
    );
    app.get<IdParams>('/accounts/:id', { config: { permission: 'read' }, schema: { tags: ['accounts'], params: idParams } }, async (req) =>
      publicAccount(await getAccount(ctx, req.params.id)),
    );
    app.post('/accounts', { config: { permission: 'admin' }, schema: { tags: ['accounts'], body: accountBody } }, async (req, reply) =>
      reply.status(201).send(await createAccount(ctx, actorOf(req), req.body)),
    );
    app.patch<IdParams>('/accounts/:id', { config: { permission: 'admin' }, schema: { tags: ['accounts'], params: idParams, body: accountBody } }, async (req) =>
      updateAccount(ctx, actorOf(req), req.params.id, req.body),
    );
    app.delete<IdParams>('/accounts/:id', { config: { permission: 'admin' }, schema: { tags: ['accounts'], params: idParams } }, async (req, reply) => {
      await deleteAccount(ctx, actorOf(req), req.params.id);
      return reply.status(204).send();
    });
  };
}
