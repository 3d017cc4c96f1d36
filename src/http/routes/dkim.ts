import type { FastifyInstance } from 'fastify';
import { deleteDkimKey, getDkimKey, listDkimKeys, putDkimKey } from '../../core/senders/dkim.service.js';
import type { Ports } from '../../ports.js';
import { actorOf } from '../auth.js';

type DomainParams = { Params: { domain: string } };
const params = { type: 'object', properties: { domain: { type: 'string', maxLength: 253 } }, required: ['domain'] } as const;

const dkimBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    selector: { type: 'string', maxLength: 63, description: 'DNS selector; default "mailroom"' },
    privateKey: { type: 'string', maxLength: 20000, description: 'write-only: an RSA private key (PEM) to import instead of generating one' },
    keyBits: { type: 'integer', enum: [1024, 2048, 3072, 4096], description: 'size of a generated key; default 2048' },
    version: { type: 'integer', minimum: 0, description: "the key's version as read: 0 creates only (there is no key), n rotates only the key at version n; else 409 MAILROOM_E_VERSION_CONFLICT. Left out: create or rotate whatever is there" },
  },
} as const;

/** DKIM keys per sender domain. Responses carry the public key and the TXT record to publish, never the private key. */
export function dkimRoutes({ ctx, dkimKeyTool }: Pick<Ports, 'ctx' | 'dkimKeyTool'>) {
  return async (api: FastifyInstance) => {
    api.get('/dkim', { config: { permission: 'read' }, schema: { tags: ['dkim'] } }, async () => ({ items: await listDkimKeys(ctx) }));
    api.get<DomainParams>('/dkim/:domain', { config: { permission: 'read' }, schema: { tags: ['dkim'], params } }, async (req) => getDkimKey(ctx, req.params.domain));
    api.put<DomainParams>('/dkim/:domain', { config: { permission: 'admin' }, schema: { tags: ['dkim'], params, body: dkimBody } }, async (req) =>
      putDkimKey(ctx, actorOf(req), dkimKeyTool, req.params.domain, req.body),
    );
    api.delete<DomainParams>('/dkim/:domain', { config: { permission: 'admin' }, schema: { tags: ['dkim'], params } }, async (req, reply) => {
      await deleteDkimKey(ctx, actorOf(req), req.params.domain);
      return reply.status(204).send();
    });
  };
}
