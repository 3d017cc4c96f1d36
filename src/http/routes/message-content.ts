import type { FastifyInstance } from 'fastify';
import { messageHtml } from '../../core/outbox/message-content.js';
import type { Ports } from '../../ports.js';
import { messageContentPolicy } from '../content-security.js';
import { idParams } from '../schemas.js';

type ContentRequest = { Params: { id: string }; Querystring: { remote?: 'true' | 'false' } };

/**
 * GET /messages/:id/html: the HTML part as a document of its own, for the log viewer's
 * sandboxed frame, under a policy that keeps scripts off and remote content out unless
 * `remote=true` (the admin chose "Load remote content").
 */
export function messageContentRoutes({ ctx }: Pick<Ports, 'ctx'>) {
  return async (api: FastifyInstance) => {
    api.get<ContentRequest>(
      '/messages/:id/html',
      {
        config: { permission: 'read' },
        schema: {
          tags: ['messages'],
          params: idParams,
          querystring: { type: 'object', additionalProperties: false, properties: { remote: { type: 'string', enum: ['true', 'false'], description: 'also load remote images, styles and fonts (default false)' } } },
        },
      },
      async (req, reply) => {
        const html = await messageHtml(ctx, req.params.id);
        return reply
          .header('content-type', 'text/html; charset=utf-8')
          .header('content-security-policy', messageContentPolicy(req.query.remote === 'true'))
          // Framed by Mailroom's own message page, by nobody else.
          .header('x-frame-options', 'SAMEORIGIN')
          .header('cache-control', 'no-store')
          .header('cross-origin-resource-policy', 'same-origin')
          .send(html);
      },
    );
  };
}
