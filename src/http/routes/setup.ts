import type { FastifyInstance } from 'fastify';
import { getSetupStatus } from '../../core/probes/setup-status.js';
import type { Ports } from '../../ports.js';

export function setupRoutes({ ctx, config, keyFileTooOpen, dns }: Pick<Ports, 'ctx' | 'config' | 'keyFileTooOpen' | 'dns'>) {
  return async (api: FastifyInstance) => {
    // Any signed-in user sees the banner; what is missing reveals no secret.
    api.get('/setup/status', { config: { permission: 'authenticated' }, schema: { tags: ['setup'] } }, async () => {
      return getSetupStatus(ctx, { mailDriver: config.mailDriver, keyFileTooOpen: keyFileTooOpen(), dns });
    });
  };
}
