import type { Migration, MigrationProvider } from 'kysely';
import * as m001 from './001_foundation.js';
import * as m003 from './003_routing.js';
import * as m002 from './002_outbox.js';
import * as m004 from './004_dkim.js';
import * as m005 from './005_log_indexes.js';
import * as m006 from './006_possible_duplicates.js';
import * as m010 from './010_login_throttle_and_key_expiry.js';
import * as m011 from './011_password_change.js';
import * as m012 from './012_delivery_outcome.js';
import * as m007 from './007_templates.js';
import * as m008 from './008_webhooks.js';
import * as m009 from './009_relay.js';
import * as m016 from './016_attempt_routes.js';
import * as m014 from './014_notify.js';
import * as m013 from './013_secret_providers.js';
import * as m015 from './015_inbound.js';
import * as m017 from './017_test_confirmation.js';
import * as m018 from './018_queue_count_index.js';
import * as m019 from './019_message_lifetime.js';
import * as m020 from './020_subject_search.js';
import * as m021 from './021_subject_search_table.js';
import * as m022 from './022_recipient_fillfactor.js';
import * as m023 from './023_lz4_message_bodies.js';
import * as m024 from './024_outbound_skips_inbound_indexes.js';
import * as m025 from './025_request_hash.js';
import * as m026 from './026_inbox_spelled_once.js';
import * as m027 from './027_lease_index.js';
import * as m028 from './028_subject_search_folded.js';
import * as m029 from './029_oauth2_sign_ins.js';
import * as m030 from './030_received_addressees.js';
import * as m031 from './031_processes.js';
import * as m032 from './032_seen_owed.js';
import * as m033 from './033_wider_actor_columns.js';
import * as m034 from './034_process_mail_driver.js';
import * as m035 from './035_preview_pages.js';

/**
 * Migrations live in code (not read from a folder at run time) so the built package and the
 * test run see exactly the same list. Append only; never edit a shipped migration.
 */
const migrations: Record<string, Migration> = {
  '001_foundation': m001,
  '003_routing': m003,
  '002_outbox': m002,
  '004_dkim': m004,
  '005_log_indexes': m005,
  '006_possible_duplicates': m006,
  '010_login_throttle_and_key_expiry': m010,
  '011_password_change': m011,
  '012_delivery_outcome': m012,
  '007_templates': m007,
  '008_webhooks': m008,
  '009_relay': m009,
  '016_attempt_routes': m016,
  '014_notify': m014,
  '013_secret_providers': m013,
  '015_inbound': m015,
  '017_test_confirmation': m017,
  '018_queue_count_index': m018,
  '019_message_lifetime': m019,
  '020_subject_search': m020,
  '021_subject_search_table': m021,
  '022_recipient_fillfactor': m022,
  '023_lz4_message_bodies': m023,
  '024_outbound_skips_inbound_indexes': m024,
  '025_request_hash': m025,
  '026_inbox_spelled_once': m026,
  '027_lease_index': m027,
  '028_subject_search_folded': m028,
  '029_oauth2_sign_ins': m029,
  '030_received_addressees': m030,
  '031_processes': m031,
  '032_seen_owed': m032,
  '033_wider_actor_columns': m033,
  '034_process_mail_driver': m034,
  '035_preview_pages': m035,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
