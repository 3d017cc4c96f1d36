import type { FastifyInstance } from 'fastify';
import { CONDITION_OPS } from '../../core/notify/conditions.js';
import { testRules } from '../../core/notify/events.service.js';
import { RULE_LIMITS } from '../../core/notify/rules.js';
import { createRule, deleteRule, getRule, listRules, reorderRules, updateRule } from '../../core/notify/rules.service.js';
import type { Ports } from '../../ports.js';
import { actorOf, principalOf } from '../auth.js';
import { idParams } from '../schemas.js';
import { eventBody } from './events.js';

type IdParams = { Params: { id: string } };

const ruleFields = {
  name: { type: 'string', maxLength: RULE_LIMITS.nameChars },
  enabled: { type: 'boolean' },
  priority: { type: 'integer', minimum: 0, maximum: RULE_LIMITS.maxPriority, description: 'lower first (default 100)' },
  events: { type: 'array', maxItems: RULE_LIMITS.patterns, items: { type: 'string', maxLength: 100 }, description: 'event types; "*" stands for any run of characters ("access.request.*")' },
  conditions: {
    type: 'array',
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['path', 'op'],
      properties: { path: { type: 'string', maxLength: 200, description: 'type, id, locale, occurredAt, data.<name>…, recipients.<role>' }, op: { type: 'string', enum: [...CONDITION_OPS] }, value: {} },
    },
  },
  recipients: {
    type: 'object',
    additionalProperties: false,
    properties: { roles: { type: 'array', maxItems: RULE_LIMITS.roles, items: { type: 'string', maxLength: 64 } }, addresses: { type: 'array', maxItems: RULE_LIMITS.addresses, items: { type: 'string', maxLength: 320 } } },
  },
  template: { type: 'string', maxLength: 64 },
  accountId: { type: ['string', 'null'], maxLength: 40, description: 'send from this account; null: the purpose decides' },
  purpose: { type: ['string', 'null'], maxLength: 64, description: "the purpose (routing, priority, expiry, global copies); null: the template's" },
  continue: { type: 'boolean', description: 'true: later rules are tried too' },
} as const;

const createBody = { type: 'object', additionalProperties: false, required: ['name', 'events', 'recipients', 'template'], properties: ruleFields } as const;
const updateBody = { type: 'object', additionalProperties: false, required: ['version'], properties: { ...ruleFields, version: { type: 'integer', minimum: 1 } } } as const;
const reorderBody = { type: 'object', additionalProperties: false, required: ['ids'], properties: { ids: { type: 'array', items: { type: 'string', maxLength: 40 }, maxItems: 10000 } } } as const;
const testBody = { type: 'object', additionalProperties: false, required: ['event'], properties: { event: eventBody, rule: { type: 'object', properties: ruleFields, additionalProperties: false } } } as const;

/** Notification rules (admin writes, read to list) and their dry run. */
export function rulesRoutes({ ctx }: Pick<Ports, 'ctx'>) {
  return async (api: FastifyInstance) => {
    const tags = ['rules'];
    api.get('/rules', { config: { permission: 'read' }, schema: { tags } }, async () => ({ items: await listRules(ctx) }));
    api.get<IdParams>('/rules/:id', { config: { permission: 'read' }, schema: { tags, params: idParams } }, async (req) => getRule(ctx, req.params.id));
    api.post('/rules', { config: { permission: 'admin' }, schema: { tags, body: createBody } }, async (req, reply) => reply.status(201).send(await createRule(ctx, actorOf(req), req.body)));
    api.patch<IdParams>('/rules/:id', { config: { permission: 'admin' }, schema: { tags, params: idParams, body: updateBody } }, async (req) => updateRule(ctx, actorOf(req), req.params.id, req.body));
    api.delete<IdParams>('/rules/:id', { config: { permission: 'admin' }, schema: { tags, params: idParams } }, async (req, reply) => {
      await deleteRule(ctx, actorOf(req), req.params.id);
      return reply.status(204).send();
    });
    api.post('/rules/reorder', { config: { permission: 'admin' }, schema: { tags, body: reorderBody } }, async (req) => ({ items: await reorderRules(ctx, actorOf(req), req.body) }));
    api.post('/rules/test', { config: { permission: 'admin' }, schema: { tags, body: testBody } }, async (req) => testRules(ctx, principalOf(req), req.body));
  };
}
