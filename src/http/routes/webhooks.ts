import type { FastifyInstance, FastifyRequest } from 'fastify';
import { WEBHOOK_EVENT_TYPES } from '../../core/webhooks/event-types.js';
import { MAX_ROTATION_GRACE_SEC, URL_MAX_CHARS } from '../../core/webhooks/endpoints.js';
import { createEndpoint, deleteEndpoint, getEndpoint, listEndpoints, rotateSecret, updateEndpoint } from '../../core/webhooks/endpoints.service.js';
import type { Ports } from '../../ports.js';
import { addressShownTo } from '../addresses-shown.js';
import { actorOf } from '../auth.js';
import { idParams } from '../schemas.js';

type IdParams = { Params: { id: string } };

const endpointFields = {
  url: { type: 'string', maxLength: URL_MAX_CHARS, description: 'http:// or https:// URL of the receiver; checked against the network policy (MAILROOM_ALLOW_PRIVATE_HOSTS)' },
  // Names are checked by the core, which says why a contract name is not emitted yet.
  events: { type: 'array', items: { type: 'string', maxLength: 64 }, maxItems: 50, description: `event types to receive: ${WEBHOOK_EVENT_TYPES.join(', ')}` },
  description: { type: ['string', 'null'], maxLength: 200 },
  enabled: { type: 'boolean', description: 'false: no new events are queued for it and its waiting deliveries wait' },
} as const;

const createBody = { type: 'object', additionalProperties: false, required: ['url', 'events'], properties: endpointFields } as const;
const updateBody = {
  type: 'object',
  additionalProperties: false,
  properties: { ...endpointFields, version: { type: 'integer', minimum: 1, description: 'the version you read (required)' } },
} as const;
const rotateBody = {
  type: 'object',
  additionalProperties: false,
  properties: { graceSec: { type: 'integer', minimum: 0, maximum: MAX_ROTATION_GRACE_SEC, description: 'how long the previous secret keeps signing beside the new one (default 86400; 0: stops at once)' } },
} as const;

/** Endpoints: the secret is in the create and rotate answers only. */
export function webhooksRoutes({ ctx, webhooks }: Pick<Ports, 'ctx' | 'webhooks'>) {
  return async (app: FastifyInstance) => {
    const tags = ['webhooks'];
    // The URL as the caller may read it: a token in its query hidden from a read key.
    const shownTo = <E extends { url: string }>(req: FastifyRequest, endpoint: E): E => ({ ...endpoint, url: addressShownTo(req, 'url', endpoint.url) });
    app.get('/webhooks', { config: { permission: 'read' }, schema: { tags } }, async (req) => ({ items: (await listEndpoints(ctx)).map((e) => shownTo(req, e)) }));
    app.get<IdParams>('/webhooks/:id', { config: { permission: 'read' }, schema: { tags, params: idParams } }, async (req) => shownTo(req, await getEndpoint(ctx, req.params.id)));
    app.post('/webhooks', { config: { permission: 'admin' }, schema: { tags, body: createBody } }, async (req, reply) => {
      const { endpoint, secret } = await createEndpoint(ctx, actorOf(req), webhooks.guard, req.body);
      if (endpoint.enabled) webhooks.endpointsChanged();
      return reply.status(201).send({ ...endpoint, secret });
    });
    app.patch<IdParams>('/webhooks/:id', { config: { permission: 'admin' }, schema: { tags, params: idParams, body: updateBody } }, async (req) => {
      const endpoint = await updateEndpoint(ctx, actorOf(req), webhooks.guard, req.params.id, req.body);
      // Switched on: sent at once; switched off or changed: no request starts from what was read before.
      webhooks.endpointsChanged();
      return endpoint;
    });
    app.delete<IdParams>('/webhooks/:id', { config: { permission: 'admin' }, schema: { tags, params: idParams } }, async (req, reply) => {
      await deleteEndpoint(ctx, actorOf(req), req.params.id);
      webhooks.endpointsChanged();
      return reply.status(204).send();
    });
    app.post<IdParams>('/webhooks/:id/rotate-secret', { config: { permission: 'admin' }, schema: { tags, params: idParams, body: rotateBody } }, async (req) => {
      const { endpoint, secret } = await rotateSecret(ctx, actorOf(req), req.params.id, req.body);
      webhooks.endpointsChanged();
      return { ...endpoint, secret };
    });
  };
}
