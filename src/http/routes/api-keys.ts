import type { FastifyInstance } from 'fastify';
import { createApiKey, listApiKeys, revokeApiKey } from '../../core/access/api-keys.service.js';
import type { Ports } from '../../ports.js';
import { actorOf, principalOf } from '../auth.js';
import { idParams } from '../schemas.js';

export function apiKeysRoutes({ ctx, apiKeyCache }: Pick<Ports, 'ctx' | 'apiKeyCache'>) {
  return async (app: FastifyInstance) => {
    app.get('/api-keys', { config: { permission: 'admin' }, schema: { tags: ['api-keys'] } }, async () => ({ items: await listApiKeys(ctx) }));
    app.post(
      '/api-keys',
      {
        config: { permission: 'admin' },
        schema: {
          tags: ['api-keys'],
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'scopes'],
            properties: {
              name: { type: 'string', maxLength: 200 },
              scopes: { type: 'array', items: { type: 'string', enum: ['send', 'read', 'admin'] }, maxItems: 3 },
              allowOverride: { type: 'boolean' },
            },
          },
        },
      },
      async (req, reply) => {
        const { apiKey, key } = await createApiKey(ctx, actorOf(req), req.body, principalOf(req).id);
        // The only response that ever carries the key.
        return reply.status(201).send({ ...apiKey, key });
      },
    );
    app.delete<{ Params: { id: string } }>('/api-keys/:id', { config: { permission: 'admin' }, schema: { tags: ['api-keys'], params: idParams } }, async (req, reply) => {
      await revokeApiKey(ctx, apiKeyCache, actorOf(req), req.params.id);
      return reply.status(204).send();
    });
  };
}
