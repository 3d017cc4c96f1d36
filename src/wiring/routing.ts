import type { App } from '../app.js';
import { applyDeployConfig } from '../core/senders/deploy-config.js';
import { ensureBuiltinPurposes } from '../core/routing/purposes.service.js';
import type { RoutePlugin } from '../http/server.js';
import { purposesRoutes } from '../http/routes/purposes.js';
import { presetsRoutes } from '../http/routes/presets.js';
import { settingsRoutes } from '../http/routes/settings.js';
import { setupRoutes } from '../http/routes/setup.js';

/**
 * Routing's part of a start: store the built-in purposes, then turn the MAILROOM_* variables
 * into the env server and account (throws MAILROOM_E_CONFIG naming every missing or bad one).
 */
export async function startRouting(app: App): Promise<void> {
  const added = await ensureBuiltinPurposes(app.ctx);
  if (added.length) app.logger.info({ purposes: added }, 'built-in purposes stored');
  const outcome = await applyDeployConfig(app.ctx, { mailDriver: app.config.mailDriver, deploySmtp: app.config.deploySmtp });
  if (outcome.changes.length) app.logger.info({ serverId: outcome.serverId, accountId: outcome.accountId, changes: outcome.changes }, 'deploy-time mail configuration applied');
  if (app.config.mailDriver === 'log') app.logger.warn('MAILROOM_MAIL_DRIVER=log: no mail is sent; messages are only logged, and server settings are read-only');
}

/** Routing's /api/v1 route groups: purposes, settings, setup status, presets. */
export function routingRoutes(app: App): RoutePlugin[] {
  return [purposesRoutes(app.ctx), settingsRoutes(app), setupRoutes(app), presetsRoutes()];
}
