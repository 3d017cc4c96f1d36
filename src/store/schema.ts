import type { AccessTables } from './schema/access.js';
import type { AuditTables } from './schema/audit.js';
import type { NotifyTables } from './schema/notify.js';
import type { OAuth2Tables } from './schema/oauth2.js';
import type { ProcessesTables } from './schema/processes.js';
import type { PreviewTables } from './schema/previews.js';
import type { InboundTables } from './schema/inbound.js';
import type { OutboxTables } from './schema/outbox.js';
import type { RelayTables } from './schema/relay.js';
import type { RoutingTables } from './schema/routing.js';
import type { SecretsTables } from './schema/secrets.js';
import type { SendersTables } from './schema/senders.js';
import type { TemplateTables } from './schema/templates.js';
import type { WebhooksTables } from './schema/webhooks.js';

/**
 * The whole database as Kysely sees it: one interface per capability (schema/<capability>.ts),
 * joined here. Migration files keep their historical names (001_foundation …): the names are
 * recorded in each database's kysely_migration table and must never change.
 */
export type DB = AccessTables & SendersTables & RoutingTables & OutboxTables & AuditTables & TemplateTables & WebhooksTables & RelayTables & NotifyTables & SecretsTables & InboundTables & OAuth2Tables & ProcessesTables & PreviewTables;
