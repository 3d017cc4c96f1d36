import type { FastifyInstance } from 'fastify';
import { withPreviewPage } from '../preview-pages.js';
import { deleteLayout, getLayout, listLayouts, previewLayout, resetLayout, saveLayout } from '../../core/templates/layouts.service.js';
import type { Ports } from '../../ports.js';
import { actorOf, principalOf } from '../auth.js';
import { keyParams } from './template-schemas.js';

type KeyParams = { Params: { key: string } };

const layoutBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    html: { type: 'string', description: 'Liquid HTML placing the body at {{ content }}; brand.*, subject and locale are in scope' },
    text: { type: ['string', 'null'], description: 'Liquid text placing the text body at {{ content }}; null: the body text alone' },
    version: { type: 'integer', minimum: 1, description: 'the version you read: required on PATCH and when PUT replaces' },
  },
} as const;

export function layoutsRoutes({ ctx, previewPages }: Pick<Ports, 'ctx' | 'previewPages'>) {
  return async (api: FastifyInstance) => {
    const tags = ['templates'];
    const admin = { config: { permission: 'admin' as const }, schema: { tags, params: keyParams } };
    api.get('/layouts', { config: { permission: 'read' }, schema: { tags } }, async () => ({ items: await listLayouts(ctx) }));
    api.get<KeyParams>('/layouts/:key', { config: { permission: 'read' }, schema: { tags, params: keyParams } }, async (req) => getLayout(ctx, req.params.key));
    api.put<KeyParams>('/layouts/:key', { ...admin, schema: { ...admin.schema, body: layoutBody } }, async (req) => saveLayout(ctx, actorOf(req), req.params.key, req.body, 'put'));
    api.patch<KeyParams>('/layouts/:key', { ...admin, schema: { ...admin.schema, body: layoutBody } }, async (req) => saveLayout(ctx, actorOf(req), req.params.key, req.body, 'patch'));
    api.delete<KeyParams>('/layouts/:key', admin, async (req, reply) => {
      await deleteLayout(ctx, actorOf(req), req.params.key);
      return reply.status(204).send();
    });
    api.post<KeyParams>('/layouts/:key/reset', admin, async (req) => resetLayout(ctx, actorOf(req), req.params.key));
    api.post<KeyParams>(
      '/layouts/:key/preview',
      {
        config: { permission: 'read' },
        schema: {
          tags,
          params: keyParams,
          body: {
            type: 'object',
            additionalProperties: false,
            properties: { html: layoutBody.properties.html, text: layoutBody.properties.text, locale: { type: 'string', maxLength: 35, description: 'the locale of the sample body (default en)' } },
          },
        },
      },
      async (req) => withPreviewPage(ctx, previewPages, principalOf(req).id, await previewLayout(ctx, principalOf(req), req.params.key, req.body)),
    );
  };
}
