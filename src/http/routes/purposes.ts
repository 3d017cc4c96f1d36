import type { FastifyInstance } from 'fastify';
import type { Ports } from '../../ports.js';
import { createPurpose, deletePurpose, getPurpose, listPurposes, updatePurpose } from '../../core/routing/purposes.service.js';
import { actorOf } from '../auth.js';

type KeyParams = { Params: { key: string } };

const keyParams = { type: 'object', properties: { key: { type: 'string', maxLength: 64 } }, required: ['key'] } as const;

const purposeFields = {
  description: { type: ['string', 'null'], maxLength: 500 },
  enabled: { type: 'boolean', description: 'false: messages of this purpose are refused (MAILROOM_E_PURPOSE_DISABLED)' },
  accountIds: { type: 'array', items: { type: 'string', maxLength: 40 }, maxItems: 20, description: 'ordered: the first active one sends; transient failures move to the next' },
  priority: { type: 'integer', minimum: 0, maximum: 100, description: 'higher is delivered sooner' },
  expireAfterSec: { type: ['integer', 'null'], minimum: 60, description: 'default expiry of its messages; null: the server retry policy' },
  globalCopies: { type: 'boolean', description: 'add the global CC/BCC (settings) to its messages' },
  version: { type: 'integer', minimum: 1, description: 'the version you read (required on PATCH and PUT; a stale one is 409 MAILROOM_E_VERSION_CONFLICT)' },
} as const;

const purposeBody = { type: 'object', additionalProperties: false, properties: purposeFields } as const;
const newPurposeBody = {
  type: 'object',
  additionalProperties: false,
  required: ['key'],
  properties: { key: { type: 'string', minLength: 2, maxLength: 64, description: 'lower-case letters, digits, "_"' }, ...purposeFields },
} as const;

export function purposesRoutes({ ctx }: Pick<Ports, 'ctx'>) {
  return async (app: FastifyInstance) => {
    const tags = ['purposes'];
    app.get('/purposes', { config: { permission: 'read' }, schema: { tags } }, async () => ({ items: await listPurposes(ctx) }));
    app.get<KeyParams>('/purposes/:key', { config: { permission: 'read' }, schema: { tags, params: keyParams } }, async (req) => getPurpose(ctx, req.params.key));
    app.post('/purposes', { config: { permission: 'admin' }, schema: { tags, body: newPurposeBody } }, async (req, reply) =>
      reply.status(201).send(await createPurpose(ctx, actorOf(req), req.body)),
    );
    app.put<KeyParams>('/purposes/:key', { config: { permission: 'admin' }, schema: { tags, params: keyParams, body: purposeBody } }, async (req) =>
      updatePurpose(ctx, actorOf(req), req.params.key, req.body, 'put'),
    );
    app.patch<KeyParams>('/purposes/:key', { config: { permission: 'admin' }, schema: { tags, params: keyParams, body: purposeBody } }, async (req) =>
      updatePurpose(ctx, actorOf(req), req.params.key, req.body, 'patch'),
    );
    app.delete<KeyParams>('/purposes/:key', { config: { permission: 'admin' }, schema: { tags, params: keyParams } }, async (req, reply) => {
      await deletePurpose(ctx, actorOf(req), req.params.key);
      return reply.status(204).send();
    });
  };
}
