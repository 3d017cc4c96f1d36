import type { FastifyInstance } from 'fastify';
import { assertIdFilter } from '../../core/kernel/ids.js';
import { checkDomain } from '../../core/probes/domain-check.service.js';
import type { Ports } from '../../ports.js';
import { principalOf } from '../auth.js';

type CheckRequest = { Params: { domain: string }; Querystring: { selector?: string; accountId?: string } };

/** GET /domains/:domain/check: the sender domain's MX, SPF, DKIM and DMARC, each explained (admin). */
export function domainsRoutes({ ctx, dns }: Pick<Ports, 'ctx' | 'dns'>) {
  return async (api: FastifyInstance) => {
    api.get<CheckRequest>(
      '/domains/:domain/check',
      {
        config: { permission: 'admin' },
        schema: {
          tags: ['diagnostics'],
          params: { type: 'object', properties: { domain: { type: 'string', maxLength: 253 } }, required: ['domain'] },
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              selector: { type: 'string', maxLength: 63, description: "DKIM selector to check; defaults to the selector of Mailroom's key for the domain" },
              accountId: { type: 'string', maxLength: 100, description: "check that SPF covers this account's server" },
            },
          },
        },
      },
      async (req) => {
        // Text no account id can be is 400 naming the parameter, as every id parameter is; a
        // well-formed id no account has is checkDomain's 404, as GET /accounts/:id answers it.
        assertIdFilter('accountId', 'acc', 'an account', req.query.accountId);
        return checkDomain(ctx, dns, principalOf(req), req.params.domain, req.query);
      },
    );
  };
}
