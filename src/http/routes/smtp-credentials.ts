import type { FastifyInstance } from 'fastify';
import { AUTHENTICATIONS, CREDENTIAL_LIMITS } from '../../core/relay/credentials.js';
import { createCredential, deleteCredential, getCredential, listCredentials, rotateCredentialPassword, updateCredential } from '../../core/relay/credentials.service.js';
import type { Ports } from '../../ports.js';
import { actorOf } from '../auth.js';
import { idParams } from '../schemas.js';

const credentialProps = {
  name: { type: 'string', minLength: 1, maxLength: 200 },
  username: { type: 'string', maxLength: 64, description: 'what the application logs in with; default: from the name; fixed once created' },
  authentication: { type: 'string', enum: [...AUTHENTICATIONS], description: 'password (AUTH after TLS, the default) or client-ip (the client address is the login; needs allowedIps)' },
  allowedFrom: { type: 'array', items: { type: 'string', maxLength: 320 }, maxItems: CREDENTIAL_LIMITS.allowedFrom, description: '"app@example.com" or "@example.com": the envelope senders and From addresses it may use' },
  purpose: { type: ['string', 'null'], maxLength: 64 },
  accountId: { type: ['string', 'null'], maxLength: 40 },
  maxMessageBytes: { type: 'integer', minimum: CREDENTIAL_LIMITS.maxMessageBytes.min, maximum: CREDENTIAL_LIMITS.maxMessageBytes.max },
  maxRecipients: { type: 'integer', minimum: CREDENTIAL_LIMITS.maxRecipients.min, maximum: CREDENTIAL_LIMITS.maxRecipients.max },
  perMinute: { type: ['integer', 'null'], minimum: CREDENTIAL_LIMITS.perMinute.min, maximum: CREDENTIAL_LIMITS.perMinute.max },
  allowedIps: { type: 'array', items: { type: 'string', maxLength: 64 }, maxItems: CREDENTIAL_LIMITS.allowedIps },
  enabled: { type: 'boolean' },
} as const;

type IdParams = { Params: { id: string } };

/** SMTP credentials of the relay: admin only; a password appears in the create and rotate answers, never again. */
export function smtpCredentialsRoutes({ ctx }: Pick<Ports, 'ctx'>) {
  return async (app: FastifyInstance) => {
    const tags = ['smtp-credentials'];
    app.get('/smtp-credentials', { config: { permission: 'admin' }, schema: { tags } }, async () => ({ items: await listCredentials(ctx) }));
    app.get<IdParams>('/smtp-credentials/:id', { config: { permission: 'admin' }, schema: { tags, params: idParams } }, async (req) => getCredential(ctx, req.params.id));
    app.post(
      '/smtp-credentials',
      { config: { permission: 'admin' }, schema: { tags, body: { type: 'object', additionalProperties: false, required: ['name', 'allowedFrom'], properties: credentialProps } } },
      async (req, reply) => {
        const { credential, password } = await createCredential(ctx, actorOf(req), req.body);
        return reply.status(201).send({ ...credential, ...(password ? { password } : {}) });
      },
    );
    app.patch<IdParams>(
      '/smtp-credentials/:id',
      {
        config: { permission: 'admin' },
        schema: { tags, params: idParams, body: { type: 'object', additionalProperties: false, properties: { ...credentialProps, version: { type: 'integer', minimum: 1 } } } },
      },
      async (req) => updateCredential(ctx, actorOf(req), req.params.id, req.body),
    );
    app.post<IdParams>('/smtp-credentials/:id/rotate', { config: { permission: 'admin' }, schema: { tags, params: idParams } }, async (req) => {
      const { credential, password } = await rotateCredentialPassword(ctx, actorOf(req), req.params.id);
      // The only answers that ever carry the password: this one and the create.
      return { ...credential, password };
    });
    app.delete<IdParams>('/smtp-credentials/:id', { config: { permission: 'admin' }, schema: { tags, params: idParams } }, async (req, reply) => {
      await deleteCredential(ctx, actorOf(req), req.params.id);
      return reply.status(204).send();
    });
  };
}
