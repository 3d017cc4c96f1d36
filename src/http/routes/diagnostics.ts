import type { FastifyInstance } from 'fastify';
import { diagnoseImap, diagnoseSmtp } from '../../core/probes/diagnostics.service.js';
import type { Ports } from '../../ports.js';
import { actorOf, principalOf } from '../auth.js';
import { serverBody } from '../schemas.js';

const auth = {
  type: 'object',
  additionalProperties: false,
  required: ['user'],
  properties: {
    user: { type: 'string', minLength: 1, maxLength: 320 },
    password: { type: 'string', maxLength: 1000, description: 'write-only; omit to use the saved password of accountId (only towards its saved server)' },
  },
} as const;

const smtpDiagnosticBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    serverId: { type: 'string', maxLength: 100, description: 'test a saved server; smtp fields given are applied over it' },
    accountId: { type: 'string', maxLength: 100, description: "test a saved account: its server and login, and its password when the server's host, port and security are unchanged" },
    smtp: serverBody.properties.smtp,
    auth,
    send: {
      type: 'object',
      additionalProperties: false,
      required: ['from', 'to'],
      properties: { from: { type: 'string', maxLength: 320 }, to: { type: 'string', maxLength: 320 } },
    },
  },
} as const;

const imapDiagnosticBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    serverId: { type: 'string', maxLength: 100 },
    accountId: { type: 'string', maxLength: 100 },
    imap: { ...serverBody.properties.imap, type: 'object' },
    auth,
  },
} as const;

/** POST /diagnostics/smtp and /diagnostics/imap: admin-only, rate-limited per principal, audited. */
export function diagnosticsRoutes({ ctx, diagnostics: deps }: Pick<Ports, 'ctx' | 'diagnostics'>) {
  return async (api: FastifyInstance) => {
    api.post(
      '/diagnostics/smtp',
      { config: { permission: 'admin' }, schema: { tags: ['diagnostics'], body: smtpDiagnosticBody } },
      async (req) => diagnoseSmtp(ctx, deps, principalOf(req), actorOf(req), req.body),
    );
    api.post(
      '/diagnostics/imap',
      { config: { permission: 'admin' }, schema: { tags: ['diagnostics'], body: imapDiagnosticBody } },
      async (req) => diagnoseImap(ctx, deps, principalOf(req), actorOf(req), req.body),
    );
  };
}
