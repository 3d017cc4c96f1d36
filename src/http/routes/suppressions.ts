import type { FastifyInstance } from 'fastify';
import { SUPPRESSION_REASONS } from '../../core/inbound/suppressions.js';
import { addSuppression, listSuppressions, removeSuppression } from '../../core/inbound/suppressions.service.js';
import { limitQuery, pageLimit } from '../number-parameters.js';
import type { Ports } from '../../ports.js';
import { actorOf } from '../auth.js';
import { instantSchema } from '../schemas.js';

type AddressParams = { Params: { address: string } };
type ListQuery = { Querystring: { q?: string; cursor?: string; limit?: number } };

/** The suppression list: read with `read`, changed by admins only; every change is audited. */
export function suppressionsRoutes({ ctx }: Pick<Ports, 'ctx'>) {
  return async (app: FastifyInstance) => {
    const tags = ['suppressions'];
    app.get<ListQuery>(
      '/suppressions',
      {
        config: { permission: 'read' },
        schema: {
          tags,
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: { q: { type: 'string', maxLength: 320, description: 'part of the address' }, cursor: { type: 'string', maxLength: 320 }, limit: limitQuery(500, 100) },
          },
        },
      },
      async (req) => {
        const { q, cursor, limit } = req.query;
        return listSuppressions(ctx, { q, cursor, limit: pageLimit(limit, 500, 100) });
      },
    );
    app.post(
      '/suppressions',
      {
        config: { permission: 'admin' },
        schema: {
          tags,
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['address'],
            properties: {
              address: { type: 'string', maxLength: 320 },
              // Not an enum of every reason: the core says why a bounce or complaint cannot be added by hand.
              reason: { type: 'string', description: `only "manual" can be added by hand (${SUPPRESSION_REASONS.filter((r) => r !== 'manual').join(', ')} come from mail Mailroom reads)` },
              detail: { type: ['string', 'null'], maxLength: 500, description: 'why, for the next admin' },
              expiresAt: { ...instantSchema, description: 'send to the address again after this instant (default: until removed)' },
            },
          },
        },
      },
      async (req, reply) => reply.status(201).send(await addSuppression(ctx, actorOf(req), req.body)),
    );
    app.delete<AddressParams>(
      '/suppressions/:address',
      { config: { permission: 'admin' }, schema: { tags, params: { type: 'object', required: ['address'], properties: { address: { type: 'string', maxLength: 320 } } } } },
      async (req, reply) => {
        await removeSuppression(ctx, actorOf(req), req.params.address);
        return reply.status(204).send();
      },
    );
  };
}
