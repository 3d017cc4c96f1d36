import type { FastifyInstance } from 'fastify';
import { updateProfile } from '../../core/access/profile.service.js';
import { ErrorCodes, MailroomError } from '../../core/kernel/errors.js';
import type { Ports } from '../../ports.js';

const profileBody = {
  type: 'object',
  additionalProperties: false,
  required: ['currentPassword'],
  properties: {
    email: { type: 'string', maxLength: 320, description: 'your new login email' },
    name: { type: ['string', 'null'], maxLength: 200 },
    currentPassword: { type: 'string', maxLength: 1000, description: 'required for every change' },
    newPassword: { type: 'string', maxLength: 1000, description: 'at least 10 characters; ends your other sessions' },
  },
} as const;

/** PATCH /profile: the signed-in user changes their own email, name or password. */
export function profileRoutes({ ctx, loginThrottle }: Pick<Ports, 'ctx' | 'loginThrottle'>) {
  return async (api: FastifyInstance) => {
    api.patch('/profile', { config: { permission: 'authenticated' }, schema: { tags: ['session'], body: profileBody } }, async (req) => {
      if (!req.session) throw new MailroomError(ErrorCodes.FORBIDDEN, 'only a signed-in user has a profile; an API key has none');
      return updateProfile(ctx, loginThrottle, { userId: req.session.user.id, tokenHash: req.session.tokenHash, ip: req.ip }, req.body);
    });
  };
}
