import type { FastifyInstance } from 'fastify';
import { createProvider, deleteProvider, listProviderSecrets, listProviders, loadProvider, testProvider, updateProvider } from '../../core/credentials/providers.service.js';
import { publicProvider } from '../../core/credentials/providers.js';
import { PROVIDER_KINDS } from '../../core/credentials/references.js';
import type { Ports } from '../../ports.js';
import { actorOf } from '../auth.js';
import { idParams } from '../schemas.js';

const providerProps = {
  name: { type: 'string', minLength: 1, maxLength: 200 },
  kind: { type: 'string', enum: [...PROVIDER_KINDS], description: 'fixed once created' },
  config: { type: 'object', additionalProperties: true, description: 'the kind\'s settings (see docs/secrets.md); never a credential' },
  credentials: {
    type: 'object',
    description: 'write-only: vault { token } or { roleId, secretId }; azure-keyvault { clientSecret }; cyberark { clientKey } (PEM)',
    additionalProperties: { type: 'string', maxLength: 20000 },
  },
} as const;

type IdParams = { Params: { id: string } };

/** Secret providers: admin only; credentials go in, never out. */
export function secretProvidersRoutes({ ctx, secrets }: Pick<Ports, 'ctx' | 'secrets'>) {
  return async (app: FastifyInstance) => {
    const tags = ['secret-providers'];
    app.get('/secret-providers', { config: { permission: 'admin' }, schema: { tags } }, async () => ({ items: await listProviders(ctx) }));
    app.get<IdParams>('/secret-providers/:id', { config: { permission: 'admin' }, schema: { tags, params: idParams } }, async (req) => publicProvider(await loadProvider(ctx.store.repos, req.params.id)));
    app.post(
      '/secret-providers',
      { config: { permission: 'admin' }, schema: { tags, body: { type: 'object', additionalProperties: false, required: ['name', 'kind', 'config', 'credentials'], properties: providerProps } } },
      async (req, reply) => reply.status(201).send(await createProvider(ctx, actorOf(req), req.body)),
    );
    app.patch<IdParams>(
      '/secret-providers/:id',
      { config: { permission: 'admin' }, schema: { tags, params: idParams, body: { type: 'object', additionalProperties: false, required: ['version'], properties: { ...providerProps, version: { type: 'integer', minimum: 1 } } } } },
      async (req) => updateProvider(ctx, secrets, actorOf(req), req.params.id, req.body),
    );
    app.delete<IdParams>('/secret-providers/:id', { config: { permission: 'admin' }, schema: { tags, params: idParams } }, async (req, reply) => {
      await deleteProvider(ctx, secrets, actorOf(req), req.params.id);
      return reply.status(204).send();
    });
    app.post<IdParams & { Body: { reference: string } }>(
      '/secret-providers/:id/test',
      {
        config: { permission: 'admin' },
        schema: { tags, params: idParams, body: { type: 'object', additionalProperties: false, required: ['reference'], properties: { reference: { type: 'string', minLength: 1, maxLength: 500 } } } },
      },
      // Found: its length and version; not found: the provider's error and a hint. Never the value.
      async (req) => testProvider(ctx, secrets, actorOf(req), req.params.id, req.body.reference),
    );
    app.get<IdParams & { Querystring: { path?: string } }>(
      '/secret-providers/:id/secrets',
      { config: { permission: 'admin' }, schema: { tags, params: idParams, querystring: { type: 'object', properties: { path: { type: 'string', maxLength: 500 } } } } },
      async (req) => ({ items: await listProviderSecrets(ctx, secrets, req.params.id, req.query.path) }),
    );
  };
}
