import type { FoundationTables } from './schema/foundation.js';
import type { RoutingTables } from './schema/routing.js';
import type { OutboxTables } from './schema/outbox.js';
import type { DkimTables } from './schema/dkim.js';

/**
 * The whole database as Kysely sees it: one interface per area, joined here, so each area
 * declares its own tables next to its migration.
 */
export type DB = FoundationTables & RoutingTables & OutboxTables & DkimTables;
