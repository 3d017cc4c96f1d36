import type { FastifyInstance } from 'fastify';
import { getDelivery, listDeliveries, parseDeliveryQuery, replayDelivery, replayFailed, sendTestEvent } from '../../core/webhooks/deliveries.service.js';
import { DELIVERY_STATUSES } from '../../core/webhooks/ports.js';
import { limitQuery, pageLimit } from '../number-parameters.js';
import type { Ports } from '../../ports.js';
import { actorOf, principalOf } from '../auth.js';
import { idParams, instantSchema as instant } from '../schemas.js';

type IdParams = { Params: { id: string } };
type DeliveryParams = { Params: { id: string; deliveryId: string } };
type ListQuery = IdParams & { Querystring: Record<string, string | undefined> & { limit?: number } };

const deliveryParams = { type: 'object', required: ['id', 'deliveryId'], properties: { id: { type: 'string', maxLength: 100 }, deliveryId: { type: 'string', maxLength: 100 } } } as const;
const replayBody = { type: 'object', additionalProperties: false, required: ['since'], properties: { since: instant, until: instant } } as const;

/** The delivery log of an endpoint, replays and the test event. */
export function webhookDeliveriesRoutes({ ctx, webhooks }: Pick<Ports, 'ctx' | 'webhooks'>) {
  return async (app: FastifyInstance) => {
    const tags = ['webhooks'];
    app.get<ListQuery>(
      '/webhooks/:id/deliveries',
      {
        config: { permission: 'read' },
        schema: {
          tags,
          params: idParams,
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              status: { type: 'string', description: `comma-separated: ${DELIVERY_STATUSES.join(', ')}` },
              eventType: { type: 'string' },
              since: { type: 'string', description: 'created at or after (ISO 8601)' },
              until: { type: 'string', description: 'created before (ISO 8601)' },
              cursor: { type: 'string' },
              limit: limitQuery(500, 50),
            },
          },
        },
      },
      async (req) => {
        const { limit, ...q } = req.query;
        return listDeliveries(ctx, parseDeliveryQuery(req.params.id, q, pageLimit(limit, 500, 50)));
      },
    );
    app.get<DeliveryParams>('/webhooks/:id/deliveries/:deliveryId', { config: { permission: 'read' }, schema: { tags, params: deliveryParams } }, async (req) => getDelivery(ctx, req.params.id, req.params.deliveryId));
    // Deliveries queued here carry no event that would wake the worker: it is told.
    const queued = <T>(answer: T): T => {
      webhooks.deliveriesQueued();
      return answer;
    };
    app.post<DeliveryParams>('/webhooks/:id/deliveries/:deliveryId/replay', { config: { permission: 'operate' }, schema: { tags, params: deliveryParams } }, async (req, reply) =>
      reply.status(202).send(queued(await replayDelivery(ctx, actorOf(req), req.params.id, req.params.deliveryId))),
    );
    app.post<IdParams>('/webhooks/:id/deliveries/replay', { config: { permission: 'operate' }, schema: { tags, params: idParams, body: replayBody } }, async (req) =>
      queued(await replayFailed(ctx, actorOf(req), req.params.id, req.body)),
    );
    app.post<IdParams>('/webhooks/:id/test', { config: { permission: 'admin' }, schema: { tags, params: idParams } }, async (req, reply) =>
      reply.status(202).send(queued(await sendTestEvent(ctx, actorOf(req), principalOf(req), webhooks.testLimiter, req.params.id))),
    );
  };
}
