import type { FastifyInstance } from 'fastify';
import { int } from '../../core/kernel/validate.js';
import { listRejections } from '../../core/relay/rejections.js';
import type { Ports } from '../../ports.js';

type RejectionsQuery = { Querystring: { limit?: string; cursor?: string; credentialId?: string } };

/** The relay's state (listening, certificate) and the commands and sessions it refused. */
export function relayRoutes({ ctx, relay }: Pick<Ports, 'ctx' | 'relay'>) {
  return async (app: FastifyInstance) => {
    const tags = ['relay'];
    app.get('/relay/status', { config: { permission: 'read' }, schema: { tags } }, async () => relay.status());
    app.get<RejectionsQuery>(
      '/relay/rejections',
      {
        config: { permission: 'read' },
        schema: {
          tags,
          querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'string', pattern: '^[0-9]+$' }, cursor: { type: 'string' }, credentialId: { type: 'string', maxLength: 40 } } },
        },
      },
      async (req) => {
        const { limit, cursor, credentialId } = req.query;
        return listRejections(ctx, { limit: limit ? int('limit', Number(limit), 1, 500) : 50, cursor, credentialId });
      },
    );
  };
}
