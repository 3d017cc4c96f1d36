import type { FastifyInstance } from 'fastify';
import type { Ports } from '../../ports.js';
import { accountOAuth2Routes } from './account-oauth2.js';
import { accountTestRoutes } from './account-test.js';
import { accountsRoutes } from './accounts.js';
import { apiKeysRoutes } from './api-keys.js';
import { auditRoutes } from './audit.js';
import { diagnosticsRoutes } from './diagnostics.js';
import { dkimRoutes } from './dkim.js';
import { domainsRoutes } from './domains.js';
import { eventsRoutes } from './events.js';
import { healthRoutes } from './health.js';
import { messageContentRoutes } from './message-content.js';
import { layoutsRoutes } from './layouts.js';
import { messagesRoutes } from './messages.js';
import { metricsRoutes } from './metrics.js';
import { oauth2CallbackRoutes } from './oauth2-callback.js';
import { presetsRoutes } from './presets.js';
import { processesRoutes } from './processes.js';
import { previewPagesRoutes } from './preview-pages.js';
import { profileRoutes } from './profile.js';
import { purposesRoutes } from './purposes.js';
import { relayRoutes } from './relay.js';
import { rulesRoutes } from './rules.js';
import { secretProvidersRoutes } from './secret-providers.js';
import { secretsRoutes } from './secrets.js';
import { serversRoutes } from './servers.js';
import { sessionRoutes } from './session.js';
import { settingsRoutes } from './settings.js';
import { setupRoutes } from './setup.js';
import { templatesRoutes } from './templates.js';
import { suppressionsRoutes } from './suppressions.js';
import { inboundRoutes } from './inbound.js';
import { smtpCredentialsRoutes } from './smtp-credentials.js';
import { usersRoutes } from './users.js';
import { webhookDeliveriesRoutes } from './webhook-deliveries.js';
import { webhooksRoutes } from './webhooks.js';

/** A group of routes as Fastify registers it. */
export type RoutePlugin = (server: FastifyInstance) => Promise<void>;

/** Every route group takes the narrow part of the ports it uses and returns its plugin. */
type RouteGroup = (ports: Ports) => RoutePlugin;

/**
 * Every route of Mailroom, in one table. Outside /api/v1: health and metrics (the OpenAPI
 * document and the admin UI are mounted by the server itself).
 */
const ROOT: RouteGroup[] = [healthRoutes, metricsRoutes];

const API_V1: RouteGroup[] = [
  // access
  sessionRoutes,
  profileRoutes,
  usersRoutes,
  apiKeysRoutes,
  auditRoutes,
  // senders
  serversRoutes,
  accountsRoutes,
  accountOAuth2Routes,
  oauth2CallbackRoutes,
  dkimRoutes,
  presetsRoutes,
  secretProvidersRoutes,
  secretsRoutes,
  // routing
  purposesRoutes,
  settingsRoutes,
  // outbox
  messagesRoutes,
  messageContentRoutes,
  accountTestRoutes,
  // inbound
  inboundRoutes,
  suppressionsRoutes,
  // templates
  templatesRoutes,
  layoutsRoutes,
  previewPagesRoutes,
  // notify
  eventsRoutes,
  rulesRoutes,
  // probes
  diagnosticsRoutes,
  domainsRoutes,
  setupRoutes,
  // webhooks
  webhooksRoutes,
  webhookDeliveriesRoutes,
  // relay
  smtpCredentialsRoutes,
  relayRoutes,
  // processes
  processesRoutes,
];

export interface MountedRoutes {
  root: RoutePlugin[];
  api: RoutePlugin[];
}

/** The route table bound to one app's ports. */
export function apiRoutes(ports: Ports): MountedRoutes {
  return { root: ROOT.map((g) => g(ports)), api: API_V1.map((g) => g(ports)) };
}
