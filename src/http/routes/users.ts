import type { FastifyInstance } from 'fastify';
import type { Ports } from '../../ports.js';
import { createUser, deleteUser, listUsers, updateUser } from '../../core/access/users.service.js';
import { actorOf } from '../auth.js';
import { idParams } from '../schemas.js';

type IdParams = { Params: { id: string } };

const userBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    email: { type: 'string', maxLength: 320 },
    name: { type: ['string', 'null'], maxLength: 200 },
    role: { type: 'string', enum: ['admin', 'operator', 'viewer'] },
    password: { type: 'string', maxLength: 1000 },
    disabled: { type: 'boolean' },
  },
} as const;

// What a new user cannot do without: the login, its password and what they may do (no role is
// assumed: an admin says which). Left out, each is "<field>: is required" (errors.ts).
const newUserBody = { ...userBody, required: ['email', 'password', 'role'] } as const;

const userPatchBody = { ...userBody, required: ['version'], properties: { ...userBody.properties, version: { type: 'integer', minimum: 1, description: 'the version you read: a stale one is 409 MAILROOM_E_VERSION_CONFLICT' } } } as const;

export function usersRoutes({ ctx, apiKeyCache }: Pick<Ports, 'ctx' | 'apiKeyCache'>) {
  return async (app: FastifyInstance) => {
    app.get('/users', { config: { permission: 'admin' }, schema: { tags: ['users'] } }, async () => ({ items: await listUsers(ctx) }));
    app.post('/users', { config: { permission: 'admin' }, schema: { tags: ['users'], body: newUserBody } }, async (req, reply) =>
      reply.status(201).send(await createUser(ctx, actorOf(req), req.body)),
    );
    app.patch<IdParams>('/users/:id', { config: { permission: 'admin' }, schema: { tags: ['users'], params: idParams, body: userPatchBody } }, async (req) =>
      updateUser(ctx, apiKeyCache, actorOf(req), req.params.id, req.body),
    );
    app.delete<IdParams>('/users/:id', { config: { permission: 'admin' }, schema: { tags: ['users'], params: idParams } }, async (req, reply) => {
      await deleteUser(ctx, apiKeyCache, actorOf(req), req.params.id);
      return reply.status(204).send();
    });
  };
}
