import type { FastifyInstance } from 'fastify';
import { deleteNamedSecret, getNamedSecret, listNamedSecrets, putNamedSecret } from '../../core/credentials/named-secrets.service.js';
import type { Ports } from '../../ports.js';
import { actorOf } from '../auth.js';

type NameParams = { Params: { name: string } };
const nameParams = { type: 'object', properties: { name: { type: 'string', maxLength: 100 } }, required: ['name'] } as const;

/** Internal named secrets (`internal:<name>`): admin only; the value is write-only. */
export function secretsRoutes({ ctx }: Pick<Ports, 'ctx'>) {
  return async (app: FastifyInstance) => {
    const tags = ['secrets'];
    app.get('/secrets', { config: { permission: 'admin' }, schema: { tags } }, async () => ({ items: await listNamedSecrets(ctx) }));
    app.get<NameParams>('/secrets/:name', { config: { permission: 'admin' }, schema: { tags, params: nameParams } }, async (req) => getNamedSecret(ctx, req.params.name));
    app.put<NameParams>(
      '/secrets/:name',
      {
        config: { permission: 'admin' },
        schema: {
          tags,
          params: nameParams,
          body: {
            type: 'object',
            additionalProperties: false,
            properties: {
              value: { type: 'string', minLength: 1, maxLength: 4000, description: 'write-only; required to create; a new value rotates it for every account using it' },
              description: { type: ['string', 'null'], maxLength: 500 },
              version: { type: 'integer', minimum: 1, description: 'required to replace an existing secret' },
            },
          },
        },
      },
      async (req, reply) => {
        const { secret, created } = await putNamedSecret(ctx, actorOf(req), req.params.name, req.body);
        return reply.status(created ? 201 : 200).send(secret);
      },
    );
    app.delete<NameParams>('/secrets/:name', { config: { permission: 'admin' }, schema: { tags, params: nameParams } }, async (req, reply) => {
      await deleteNamedSecret(ctx, actorOf(req), req.params.name);
      return reply.status(204).send();
    });
  };
}
