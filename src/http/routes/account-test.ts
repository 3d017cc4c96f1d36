import type { FastifyInstance } from 'fastify';
import { sendTestEmail, sendTestEmails } from '../../core/outbox/test-email.service.js';
import { actorOf, principalOf } from '../auth.js';
import { idParams } from '../schemas.js';
import type { Ports } from '../../ports.js';

const to = { type: 'string', maxLength: 320, description: 'recipient; the account itself by default' } as const;
const confirm = { type: 'boolean', description: "send to the account's own mailbox and record whether its IMAP reader receives it (message.confirmation); not with to" } as const;

/** POST /accounts/:id/test and /accounts/test: "send test email" through the outbox (purpose test). */
export function accountTestRoutes({ ctx, testEmailLimiter: limiter }: Pick<Ports, 'ctx' | 'testEmailLimiter'>) {
  return async (api: FastifyInstance) => {
    api.post<{ Params: { id: string } }>(
      '/accounts/:id/test',
      {
        config: { permission: 'admin' },
        schema: {
          tags: ['accounts'],
          params: idParams,
          body: {
            type: 'object',
            additionalProperties: false,
            properties: { to, confirm },
          },
        },
      },
      async (req, reply) => reply.status(202).send(await sendTestEmail(ctx, limiter, principalOf(req), actorOf(req), req.params.id, req.body)),
    );
    api.post(
      '/accounts/test',
      {
        config: { permission: 'admin' },
        schema: {
          tags: ['accounts'],
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['accountIds'],
            properties: { accountIds: { type: 'array', items: { type: 'string', maxLength: 100 }, minItems: 1, maxItems: 50 }, to, confirm },
          },
        },
      },
      async (req, reply) => reply.status(202).send(await sendTestEmails(ctx, limiter, principalOf(req), actorOf(req), req.body)),
    );
  };
}
