import { opaque } from '../timestamps.js';
import type { FastifyInstance } from 'fastify';
import { EVENT_LIMITS } from '../../core/notify/events.js';
import { EVENTS_PAGE_MAX, getEvent, listEvents, raiseEvent } from '../../core/notify/events.service.js';
import { limitQuery } from '../number-parameters.js';
import type { Ports } from '../../ports.js';
import { principalOf } from '../auth.js';
import { instantSchema } from '../schemas.js';

export const eventBody = {
  type: 'object',
  additionalProperties: false,
  required: ['type'],
  properties: {
    type: { type: 'string', maxLength: 100, description: 'what happened, e.g. "access.request.created"' },
    id: { type: 'string', maxLength: EVENT_LIMITS.idChars, description: 'your id for this event: the same id with the same body returns the first answer and sends nothing; with another body it is refused (MAILROOM_E_IDEMPOTENCY_MISMATCH)' },
    occurredAt: instantSchema,
    data: { type: 'object', additionalProperties: true, description: `plain JSON, at most ${EVENT_LIMITS.dataBytes / 1024} KiB and ${EVENT_LIMITS.dataDepth} levels deep: what rules test and templates show` },
    recipients: {
      type: 'object',
      description: `who holds each role: { "approver": ["Ann <ann@example.com>"] }; at most ${EVENT_LIMITS.roles} roles and ${EVENT_LIMITS.perRole} addresses each`,
      // No maxItems: a longer list fails the list form, and the schema would then answer with the
      // other form's "must be string"; parseEvent says it has too many addresses instead.
      additionalProperties: { anyOf: [{ type: 'string', maxLength: 320 }, { type: 'array', items: { type: 'string', maxLength: 320 } }] },
    },
    locale: { type: 'string', maxLength: 35, description: 'the locale the templates render in (falls back like every template)' },
  },
} as const;

const eventParams = { type: 'object', properties: { id: { type: 'string', maxLength: EVENT_LIMITS.idChars } }, required: ['id'] } as const;

/** An event as the application raised it: its `data` is the application's JSON, which the API's timestamp rule leaves alone. */
function asRaised<E extends { data: Record<string, unknown> }>(e: E): E {
  return { ...e, data: opaque(e.data) };
}

/** Events in (send permission), and what they produced (read). */
export function eventsRoutes({ ctx }: Pick<Ports, 'ctx'>) {
  return async (api: FastifyInstance) => {
    const tags = ['events'];
    api.post('/events', { config: { permission: 'send' }, schema: { tags, body: eventBody } }, async (req, reply) => {
      const a = await raiseEvent(ctx, principalOf(req), req.body);
      // 202 only now: the event and its messages are committed together.
      return reply.status(202).send({ id: a.id, type: a.type, matches: a.matches, duplicate: a.duplicate });
    });
    api.get<{ Querystring: { type?: string; cursor?: string; limit?: number } }>(
      '/events',
      { config: { permission: 'read' }, schema: { tags, querystring: { type: 'object', additionalProperties: false, properties: { type: { type: 'string' }, cursor: { type: 'string' }, limit: limitQuery(EVENTS_PAGE_MAX, 50) } } } },
      async (req) => {
        const page = await listEvents(ctx, req.query);
        return { ...page, items: page.items.map(asRaised) };
      },
    );
    api.get<{ Params: { id: string } }>('/events/:id', { config: { permission: 'read' }, schema: { tags, params: eventParams } }, async (req) => asRaised(await getEvent(ctx, req.params.id)));
  };
}
