import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { MailAccount } from '../../core/senders/accounts.js';
import { createAccount, deleteAccount, getAccount, listAccounts, publicAccount, updateAccount } from '../../core/senders/accounts.service.js';
import type { Ports } from '../../ports.js';
import { addressShownTo } from '../addresses-shown.js';
import { actorOf } from '../auth.js';
import { accountBody, idParams } from '../schemas.js';

type IdParams = { Params: { id: string } };

/** The account as the caller may read it: an OAuth2 token or authorize URL as addressShownTo shows it. */
function shownTo(req: FastifyRequest, account: MailAccount): MailAccount {
  const { auth } = account;
  if (auth.type !== 'oauth2') return account;
  return { ...account, auth: { ...auth, tokenUrl: addressShownTo(req, 'tokenUrl', auth.tokenUrl), authorizeUrl: addressShownTo(req, 'authorizeUrl', auth.authorizeUrl) } };
}

export function accountsRoutes({ ctx }: Pick<Ports, 'ctx'>) {
  return async (app: FastifyInstance) => {
    app.get<{ Querystring: { serverId?: string } }>(
      '/accounts',
      { config: { permission: 'read' }, schema: { tags: ['accounts'], querystring: { type: 'object', properties: { serverId: { type: 'string' } } } } },
      async (req) => ({ items: (await listAccounts(ctx, { serverId: req.query.serverId })).map((a) => shownTo(req, a)) }),
    );
    app.get<IdParams>('/accounts/:id', { config: { permission: 'read' }, schema: { tags: ['accounts'], params: idParams } }, async (req) =>
      shownTo(req, publicAccount(await getAccount(ctx, req.params.id))),
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
