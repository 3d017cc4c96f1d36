import type { FastifyInstance } from 'fastify';
import { LIMITS, MESSAGE_STATUSES } from '../../core/outbox/messages.js';
import { cancelMessage, cancelMessages, getMessage, markRead, listMessages, outboxStatus, parseFilter, retryMessage, retryMessages, submitMessage } from '../../core/outbox/messages.service.js';
import { ErrorCodes, MailroomError, withinField } from '../../core/kernel/errors.js';
import { limitQuery, pageLimit } from '../number-parameters.js';
import { actorOf, principalOf } from '../auth.js';
import { idParams, instantSchema as instant } from '../schemas.js';
import { readerTrouble } from '../../core/inbound/status.service.js';
import { messageDetail, messageSummary } from './messages-view.js';
import { countMessages } from '../../core/outbox/message-count.js';
import type { Ports } from '../../ports.js';
import { INBOUND_KINDS } from '../../core/outbox/ports.js';

/**
 * A bulk action's filter, checked here first so that a field in it is named by its full path
 * (`filter.status`): parseFilter names the fields as the query string of GET /messages has them.
 */
function bulkFilter(filter: Record<string, unknown>): Record<string, unknown> {
  try {
    parseFilter(filter);
  } catch (err) {
    throw withinField('filter', err);
  }
  return filter;
}

// No maxItems: past it neither branch of anyOf matches and the schema answered "must be string";
// the core counts the recipients and says so (MAILROOM_E_TOO_MANY_RECIPIENTS). The body limit bounds the list.
const addressList = { anyOf: [{ type: 'string', maxLength: 320 }, { type: 'array', items: { type: 'string', maxLength: 320 }, description: `at most ${LIMITS.recipients} recipients in to, cc and bcc together` }] };

export const messageBody = {
  type: 'object',
  additionalProperties: false,
  required: ['to'],
  properties: {
    purpose: { type: 'string', maxLength: 64, description: 'the application feature (password_reset, two_factor, report …); decides the account, priority and expiry' },
    accountId: { type: 'string', maxLength: 40, description: 'send from this account (API keys with allowOverride only)' },
    serverId: { type: 'string', maxLength: 40, description: 'send through this server (API keys with allowOverride only)' },
    from: { type: 'string', maxLength: 320, description: 'an identity of the sending account (its address or an alias)' },
    to: addressList,
    cc: addressList,
    bcc: addressList,
    replyTo: { type: 'string', maxLength: 320 },
    subject: { type: 'string', description: 'required unless template is given' },
    text: { type: 'string' },
    html: { type: 'string' },
    attachments: {
      type: 'array',
      maxItems: LIMITS.attachments,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['filename', 'contentBase64'],
        properties: { filename: { type: 'string' }, contentType: { type: 'string' }, contentBase64: { type: 'string' } },
      },
    },
    headers: { type: 'object', additionalProperties: { type: 'string' }, description: 'X-… and a few list/threading headers only' },
    idempotencyKey: { type: 'string', maxLength: LIMITS.idempotencyKeyChars, description: 'the same key (per API key or user) with the same body returns the first message instead of sending twice; with another body it is refused (MAILROOM_E_IDEMPOTENCY_MISMATCH)' },
    sendAt: instant,
    expireAt: instant,
    template: { type: 'string', maxLength: 64, description: 'render subject, html and text from this template at accept time (then give none of them)' },
    data: { type: 'object', additionalProperties: true, description: 'plain JSON for the template' },
    locale: { type: 'string', maxLength: 35, description: 'e.g. "de-AT": falls back to "de", the default locale, then "en"' },
  },
} as const;

const filterProps = {
  status: { type: 'string', description: `comma-separated: ${MESSAGE_STATUSES.join(', ')}` },
  purpose: { type: 'string' },
  accountId: { type: 'string' },
  q: { type: 'string', description: 'text in the subject' },
  recipient: { type: 'string', description: 'a recipient address (to, cc or bcc)' },
  to: { type: 'string', description: 'alias of recipient' },
  since: { type: 'string', description: 'created at or after: an ISO 8601 date-time or date (UTC), or epoch milliseconds' },
  until: { type: 'string', description: 'created before: an ISO 8601 date-time or date (UTC), or epoch milliseconds' },
  direction: { type: 'string', enum: ['in', 'out'] },
  read: { type: 'string', enum: ['true', 'false'], description: 'received mail read or not' },
  kind: { type: 'string', enum: [...INBOUND_KINDS], description: 'received mail: what it is' },
} as const;

const bulkBody = {
  type: 'object',
  additionalProperties: false,
  required: ['filter'],
  // A JSON body also takes what a query string cannot: a list of statuses, instants as numbers
  // (epoch milliseconds, as everywhere else in a body), `read` as a boolean.
  properties: {
    filter: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ...filterProps,
        status: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
        since: { ...instant, description: filterProps.since.description },
        until: { ...instant, description: filterProps.until.description },
        // One enum, so a wrong value is told the four it may be (details.allowed), not only a type.
        read: { enum: [true, false, 'true', 'false'], description: filterProps.read.description },
      },
    },
    // No pattern here: the core refuses a foreign cursor in its own words (field `cursor`).
    cursor: { type: 'string', maxLength: 64, description: 'the `next` of the previous call with this filter: go on after the messages it handled (left out: from the oldest match)' },
  },
} as const;

type IdParams = { Params: { id: string } };
type ListQuery = { Querystring: Record<string, string | undefined> & { limit?: number } };

export function messagesRoutes({ ctx }: Pick<Ports, 'ctx'>) {
  return async (api: FastifyInstance) => {
    api.post('/messages', { config: { permission: 'send' }, schema: { tags: ['messages'], body: messageBody } }, async (req, reply) => {
      const result = await submitMessage(ctx, principalOf(req), req.body, { source: 'api' });
      // 202 only now: the row is committed (fsync) by the group commit above. `duplicate`, as
      // POST /events answers it: the key was seen before and this body was not stored.
      return reply.status(202).send({ id: result.id, status: result.status, duplicate: result.duplicate });
    });

    api.get<ListQuery>(
      '/messages',
      {
        config: { permission: 'read' },
        schema: { tags: ['messages'], querystring: { type: 'object', additionalProperties: false, properties: { ...filterProps, cursor: { type: 'string' }, limit: limitQuery(500, 50) } } },
      },
      async (req) => {
        const { cursor, limit, ...filter } = req.query;
        const page = await listMessages(ctx, { ...parseFilter(filter), cursor, limit: pageLimit(limit, 500, 50) });
        const now = ctx.clock.now();
        const trouble = await readerTrouble(ctx, page.items);
        return { items: page.items.map((m) => messageSummary(m, now, trouble)), nextCursor: page.nextCursor };
      },
    );

    // A static segment: Fastify's router prefers it to /messages/:id whatever the order here.
    api.get('/messages/stats', { config: { permission: 'read' }, schema: { tags: ['messages'] } }, async () => outboxStatus(ctx));

    // What a bulk retry or cancel with this filter would take, asked before doing it.
    api.get<ListQuery>(
      '/messages/count',
      { config: { permission: 'read' }, schema: { tags: ['messages'], querystring: { type: 'object', additionalProperties: false, properties: filterProps } } },
      async (req) => countMessages(ctx, req.query),
    );

    api.get<IdParams>('/messages/:id', { config: { permission: 'read' }, schema: { tags: ['messages'], params: idParams } }, async (req) => messageDetail(await getMessage(ctx, req.params.id), ctx.clock.now()));

    // Received mail only: the inbox's read status.
    api.patch<IdParams & { Body: { read: boolean } }>(
      '/messages/:id',
      { config: { permission: 'operate' }, schema: { tags: ['messages'], params: idParams, body: { type: 'object', additionalProperties: false, required: ['read'], properties: { read: { type: 'boolean' } } } } },
      async (req) => messageSummary(await markRead(ctx, req.params.id, req.body.read), ctx.clock.now()),
    );

    // The message an application sent over SMTP, as stored (its Bcc fields removed), for "view source".
    api.get<IdParams>('/messages/:id/raw', { config: { permission: 'read' }, schema: { tags: ['messages'], params: idParams } }, async (req, reply) => {
      const m = await getMessage(ctx, req.params.id);
      if (!m.raw) {
        // A received message keeps its fields and parts, not its bytes (unless it could not be read).
        const why = m.direction === 'in' ? 'was received over IMAP and stored as its fields and parts' : 'was composed by Mailroom from its fields';
        throw new MailroomError(ErrorCodes.NOT_FOUND, `message ${m.id} ${why}; only messages from the SMTP relay (and received messages that could not be read) keep their own MIME`, { kind: 'message raw', id: m.id });
      }
      return reply.type('message/rfc822').header('content-disposition', `attachment; filename="${m.id}.eml"`).send(Buffer.from(m.raw.buffer, m.raw.byteOffset, m.raw.byteLength));
    });

    api.post<IdParams>('/messages/:id/retry', { config: { permission: 'operate' }, schema: { tags: ['messages'], params: idParams } }, async (req) => {
      const { message: m, expiryExtended } = await retryMessage(ctx, actorOf(req), req.params.id);
      return { id: m.id, status: m.status, expireAt: m.expireAt, expiryExtended };
    });
    api.post<IdParams>('/messages/:id/cancel', { config: { permission: 'operate' }, schema: { tags: ['messages'], params: idParams } }, async (req) => {
      const m = await cancelMessage(ctx, actorOf(req), req.params.id);
      return { id: m.id, status: m.status };
    });

    type Bulk = { Body: { filter: Record<string, unknown>; cursor?: string } };
    api.post<Bulk>('/messages/retry', { config: { permission: 'operate' }, schema: { tags: ['messages'], body: bulkBody } }, async (req) => {
      return retryMessages(ctx, actorOf(req), bulkFilter(req.body.filter), req.body.cursor);
    });
    api.post<Bulk>('/messages/cancel', { config: { permission: 'operate' }, schema: { tags: ['messages'], body: bulkBody } }, async (req) => cancelMessages(ctx, actorOf(req), bulkFilter(req.body.filter), req.body.cursor));
  };
}
