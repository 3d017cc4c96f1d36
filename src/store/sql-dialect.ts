import type { StoreCapabilities } from '../core/ports.js';

/**
 * Which SQL text a repository writes where the dialects differ (raw statements: the claim, JSON
 * list parameters). Told by the database opener, never probed from the driver's classes.
 */
export type SqlDialect = 'sqlite' | 'postgres';

/** What the store's repositories are built with: the core's capability flags and the SQL dialect. */
export type StoreTraits = StoreCapabilities & { dialect: SqlDialect };
