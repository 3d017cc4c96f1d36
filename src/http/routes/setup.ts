import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.js';
import { getSetupStatus } from '../../core/probes/setup-status.js';
import { keyFileTooOpen } from '../../secrets/keyring.js';

export function setupRoutes(app: App) {
  return async (api: FastifyInstance) => {
    // Any signed-in user sees the banner; what is missing reveals no secret.
    api.get('/setup/status', { config: { permission: 'authenticated' }, schema: { tags: ['setup'] } }, async () => {
      const origin = app.keyring.origin;
      const tooOpen = origin.kind === 'file' && keyFileTooOpen(origin.path) ? origin.path : undefined;
      return getSetupStatus(app.ctx, { mailDriver: app.config.mailDriver, keyFileTooOpen: tooOpen });
    });
  };
}
