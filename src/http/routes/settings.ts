import type { FastifyInstance } from 'fastify';
import { getSettings, updateSettings, type DeployFacts } from '../../core/routing/settings.service.js';
import { sendReportTest } from '../../core/notify/report-mail.service.js';
import { actorOf, principalOf } from '../auth.js';
import type { Ports } from '../../ports.js';

const addressList = { type: 'array', items: { type: 'string', maxLength: 320 }, maxItems: 50 } as const;

const settingsBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    defaultAccountId: { type: ['string', 'null'], maxLength: 40, description: 'the system default sender account; null: the first active account' },
    globalCc: { ...addressList, description: 'added as CC to messages of purposes with globalCopies' },
    globalBcc: { ...addressList, description: 'added as BCC to messages of purposes with globalCopies' },
    branding: {
      type: 'object',
      additionalProperties: false,
      description: 'what layouts show as brand.*',
      properties: { name: { type: 'string', maxLength: 100 }, logoUrl: { type: ['string', 'null'], maxLength: 2000 }, color: { type: 'string', maxLength: 100, description: 'a colour as #rrggbb, e.g. #2563eb' }, footer: { type: ['string', 'null'], maxLength: 2000 } },
    },
    defaultLocale: { type: 'string', maxLength: 35, description: 'tried before "en" when a template lacks the locale asked for' },
    contactAutoReply: {
      type: 'object',
      additionalProperties: false,
      description: 'the answer to contact.submitted events; {name} and {subject} are filled in as plain text; fields left out keep their value',
      properties: {
        enabled: { type: 'boolean' },
        accountId: { type: ['string', 'null'], maxLength: 40, description: 'send from this account; null: the contact_autoreply purpose decides' },
        subject: { type: 'string', maxLength: 200 },
        body: { type: 'string', maxLength: 20000, description: 'plain text' },
      },
    },
    reports: {
      type: 'object',
      additionalProperties: false,
      description: 'report mail for report.ready events; {name}, {period} and {url} are filled in as plain text; fields left out keep their value',
      properties: {
        enabled: { type: 'boolean' },
        useDefault: { type: 'boolean', description: 'true: the report purpose decides the account' },
        serverId: { type: ['string', 'null'], maxLength: 40 },
        accountId: { type: ['string', 'null'], maxLength: 40, description: 'required unless useDefault' },
        subject: { type: 'string', maxLength: 200 },
        body: { type: 'string', maxLength: 20000, description: 'plain text' },
        overrides: {
          type: 'array',
          maxItems: 100,
          description: 'individual reports sent from their own account: matched by the event\'s data.report.id or data.report.name (any case); the whole list is replaced',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['report', 'accountId'],
            properties: { report: { type: 'string', minLength: 1, maxLength: 200 }, serverId: { type: ['string', 'null'], maxLength: 40 }, accountId: { type: 'string', minLength: 1, maxLength: 40 } },
          },
        },
      },
    },
    softBounces: {
      type: 'object',
      additionalProperties: false,
      description: 'an address is suppressed at the count-th soft bounce (4.x.x) within windowDays; fields left out keep their value',
      properties: { count: { type: 'integer', minimum: 1, maximum: 100 }, windowDays: { type: 'integer', minimum: 1, maximum: 365 } },
    },
    retention: {
      type: 'object',
      additionalProperties: false,
      required: ['days'],
      description: 'how long the email log keeps a finished message, and the webhook log a finished delivery, after its last change: days (7–3650), or null to keep everything (the default); never less than the soft-bounce window',
      properties: { days: { type: ['integer', 'null'], minimum: 7, maximum: 3650 } },
    },
    mailDriver: { type: 'string', description: 'read-only: refused with MAILROOM_E_LOCKED' },
    versions: {
      type: 'object',
      additionalProperties: { type: 'integer', minimum: 0 },
      description: "each named setting's version as read (GET /settings, its `version`; 0 for one never saved): the whole save is refused with 409 MAILROOM_E_VERSION_CONFLICT when one was saved since",
    },
  },
} as const;

/** The config keeps only the driver's value: "log" can only come from MAILROOM_MAIL_DRIVER, "smtp" is the default. */
function deployFacts(config: Ports['config']): DeployFacts {
  return { mailDriver: config.mailDriver, mailDriverFromEnv: config.mailDriverFromEnv };
}

export function settingsRoutes({ ctx, config, testEmailLimiter }: Pick<Ports, 'ctx' | 'config' | 'testEmailLimiter'>) {
  return async (api: FastifyInstance) => {
    const tags = ['settings'];
    api.get('/settings', { config: { permission: 'read' }, schema: { tags } }, async () => getSettings(ctx, deployFacts(config)));
    api.patch('/settings', { config: { permission: 'admin' }, schema: { tags, body: settingsBody } }, async (req) =>
      updateSettings(ctx, actorOf(req), req.body, deployFacts(config)),
    );
    const testBody = { type: 'object', additionalProperties: false, properties: { to: { type: 'string', maxLength: 320, description: "default: the signed-in user's own address" } } } as const;
    api.post('/settings/reports/test', { config: { permission: 'admin' }, schema: { tags, body: testBody } }, async (req, reply) =>
      reply.status(202).send(await sendReportTest(ctx, testEmailLimiter, principalOf(req), actorOf(req), req.body)),
    );
  };
}
