import type { FastifyInstance } from 'fastify';
import { createApiKey, keyCreatorOf, listApiKeys, MAX_SCOPE_ENTRIES, parseApiKeyQuery, revokeApiKey } from '../../core/access/api-keys.service.js';
import type { Ports } from '../../ports.js';
import { actorOf, principalOf } from '../auth.js';
import { idParams, instantSchema } from '../schemas.js';

export function apiKeysRoutes({ ctx, apiKeyCache }: Pick<Ports, 'ctx' | 'apiKeyCache'>) {
  return async (app: FastifyInstance) => {
    app.get(
      '/api-keys',
      {
        config: { permission: 'admin' },
        schema: {
          tags: ['api-keys'],
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: { unused: { type: 'string', description: '"never" (never used) or a number of days N (never used, or not used for N days); revoked and expired keys are left out' } },
          },
        },
      },
      async (req) => ({ items: await listApiKeys(ctx, parseApiKeyQuery(req.query)) }),
    );
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
              scopes: { type: 'array', items: { type: 'string', enum: ['send', 'read', 'admin'] }, maxItems: MAX_SCOPE_ENTRIES },
              allowOverride: { type: 'boolean' },
              expiresAt: { ...instantSchema, description: 'ISO 8601 date-time (or epoch milliseconds) from which the key is refused; none by default' },
            },
          },
        },
      },
      async (req, reply) => {
        const principal = principalOf(req);
        const { apiKey, key } = await createApiKey(ctx, actorOf(req), req.body, keyCreatorOf(principal));
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
