import type { FastifyInstance } from 'fastify';
import type { Ports } from '../../ports.js';
import { messageContentPolicy } from '../content-security.js';

/**
 * GET /previews/:id: a template or layout preview's HTML (made by their preview endpoints,
 * which answer its `htmlUrl`) as a document of its own for the editor's sandboxed frame,
 * under the same policy as a message's HTML part: no script, nothing remote.
 */
export function previewPagesRoutes({ ctx, previewPages }: Pick<Ports, 'ctx' | 'previewPages'>) {
  return async (api: FastifyInstance) => {
    api.get<{ Params: { id: string } }>(
      '/previews/:id',
      { config: { permission: 'read' }, schema: { tags: ['templates'], params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } }, required: ['id'] } } },
      async (req, reply) => {
        // From the store: the process that rendered it may be another one (behind a load balancer).
        const html = await previewPages.get(ctx, req.params.id);
        return reply
          .header('content-type', 'text/html; charset=utf-8')
          .header('content-security-policy', messageContentPolicy(false))
          .header('x-frame-options', 'SAMEORIGIN')
          .header('cache-control', 'no-store')
          .header('cross-origin-resource-policy', 'same-origin')
          .send(html);
      },
    );
  };
}
