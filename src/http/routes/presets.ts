import type { FastifyInstance } from 'fastify';
import { PRESETS } from '../../core/senders/presets.js';

export function presetsRoutes() {
  return async (api: FastifyInstance) => {
    api.get('/presets', { config: { permission: 'authenticated' }, schema: { tags: ['setup'] } }, async () => ({ items: PRESETS }));
  };
}
