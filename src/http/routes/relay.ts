import type { FastifyInstance } from 'fastify';
import { ErrorCodes, MailroomError } from '../../core/kernel/errors.js';
import { limitQuery, pageLimit } from '../number-parameters.js';
import { listRejections } from '../../core/relay/rejections.js';
import type { Ports } from '../../ports.js';

type RejectionsQuery = { Querystring: { limit?: number; cursor?: string; credentialId?: string } };

/** The relay's state (listening, certificate) and the commands and sessions it refused. */
export function relayRoutes({ ctx, relay }: Pick<Ports, 'ctx' | 'relay'>) {
  return async (app: FastifyInstance) => {
    const tags = ['relay'];
    app.get('/relay/status', { config: { permission: 'read' }, schema: { tags } }, async () => relay.status());
    // The certificate is public (every client receives it in the handshake): downloaded to trust or pin it.
    app.get('/relay/certificate', { config: { permission: 'read' }, schema: { tags } }, async (_req, reply) => {
      const pem = relay.certificatePem();
      if (!pem) throw new MailroomError(ErrorCodes.NOT_FOUND, 'the SMTP relay is off (MAILROOM_RELAY_PORT is not set), so it has no certificate', { kind: 'relay certificate' });
      return reply.type('application/x-pem-file').header('content-disposition', 'attachment; filename="mailroom-relay.pem"').send(pem);
    });
    app.get<RejectionsQuery>(
      '/relay/rejections',
      {
        config: { permission: 'read' },
        schema: {
          tags,
          querystring: { type: 'object', additionalProperties: false, properties: { limit: limitQuery(500, 50), cursor: { type: 'string' }, credentialId: { type: 'string', maxLength: 40 } } },
        },
      },
      async (req) => {
        const { limit, cursor, credentialId } = req.query;
        return listRejections(ctx, { limit: pageLimit(limit, 500, 50), cursor, credentialId });
      },
    );
  };
}
