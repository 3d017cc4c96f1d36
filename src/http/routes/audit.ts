import type { FastifyInstance } from 'fastify';
import type { Ports } from '../../ports.js';
import { checkAuditFilters } from '../../core/kernel/audit-actions.js';
import { withNames } from '../../core/kernel/audit-names.js';
import { assertCursor } from '../../core/kernel/ids.js';
import { limitQuery, pageLimit } from '../number-parameters.js';

type AuditQuery = { Querystring: { limit?: number; cursor?: string; action?: string; targetType?: string; targetId?: string; actor?: string } };

export function auditRoutes({ ctx }: Pick<Ports, 'ctx'>) {
  return async (app: FastifyInstance) => {
    app.get<AuditQuery>(
      '/audit',
      {
        config: { permission: 'read' },
        schema: {
          tags: ['audit'],
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              limit: limitQuery(500, 50),
              cursor: { type: 'string' },
              action: { type: 'string' },
              targetType: { type: 'string' },
              targetId: { type: 'string' },
              actor: { type: 'string' },
            },
          },
        },
      },
      async (req) => {
        const { limit, ...filters } = req.query;
        assertCursor('aud', filters.cursor);
        checkAuditFilters(filters);
        const page = await ctx.store.repos.audit.list({ limit: pageLimit(limit, 500, 50), ...filters });
        return { items: await withNames(ctx.store.repos, page.items), nextCursor: page.nextCursor };
      },
    );
  };
}
