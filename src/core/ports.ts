import type { ApiKeyRepository, LoginThrottleRepository, SessionRepository, UserRepository } from './access/ports.js';
import type { InboundMessageRepository, MailboxRepository, SuppressionRepository } from './inbound/ports.js';
import type { AuditRepository } from './kernel/audit.js';
import type { EventJournalRepository } from './kernel/event-journal.js';
import type { AutoReplyRepository, NotifyEventRepository, RuleRepository } from './notify/ports.js';
import type { MessageRepository } from './outbox/ports.js';
import type { ProcessRepository } from './processes/ports.js';
import type { PurposeRepository, SendCounterRepository, SettingsRepository } from './routing/ports.js';
import type { RelayRejectionRepository, SmtpCredentialRepository } from './relay/ports.js';
import type { AccountRepository, DkimKeyRepository, SecretRepository, ServerRepository } from './senders/ports.js';
import type { OAuth2SignInRepository } from './senders/oauth2-sign-ins.js';
import type { LastConnectRepository } from './senders/oauth2-connect-outcome.js';
import type { NamedSecretRepository, SecretProviderRepository } from './credentials/ports.js';
import type { LayoutRepository, TemplateRepository } from './templates/ports.js';
import type { PreviewPageRepository } from './templates/preview-pages.js';
import type { WebhookDeliveryRepository, WebhookEndpointRepository } from './webhooks/ports.js';

/**
 * The ports the core talks to, one repository per concept, each declared by the capability
 * that owns it (access/, senders/, routing/, outbox/ ports.ts). Adapters in src/store
 * implement them; the core never imports Kysely or a driver.
 */
export interface Repositories {
  servers: ServerRepository;
  accounts: AccountRepository;
  secrets: SecretRepository;
  oauth2SignIns: OAuth2SignInRepository;
  oauth2LastConnects: LastConnectRepository;
  secretProviders: SecretProviderRepository;
  namedSecrets: NamedSecretRepository;
  audit: AuditRepository;
  settings: SettingsRepository;
  users: UserRepository;
  sessions: SessionRepository;
  apiKeys: ApiKeyRepository;
  loginThrottle: LoginThrottleRepository;
  purposes: PurposeRepository;
  sendCounters: SendCounterRepository;
  messages: MessageRepository;
  dkimKeys: DkimKeyRepository;
  templates: TemplateRepository;
  layouts: LayoutRepository;
  eventJournal: EventJournalRepository;
  webhookEndpoints: WebhookEndpointRepository;
  webhookDeliveries: WebhookDeliveryRepository;
  smtpCredentials: SmtpCredentialRepository;
  relayRejections: RelayRejectionRepository;
  rules: RuleRepository;
  notifyEvents: NotifyEventRepository;
  autoReplies: AutoReplyRepository;
  suppressions: SuppressionRepository;
  mailboxes: MailboxRepository;
  inbound: InboundMessageRepository;
  processes: ProcessRepository;
  previewPages: PreviewPageRepository;
}

/** The store as the core sees it: repositories, optionally inside one transaction. */
export interface Store {
  repos: Repositories;
  transaction<T>(fn: (repos: Repositories) => Promise<T>): Promise<T>;
  /**
   * Like transaction(), but concurrent callers share one transaction and one fsync (group
   * commit). Resolves after the shared COMMIT. `fn` may run twice: it must only use `repos`.
   */
  grouped<T>(fn: (repos: Repositories) => Promise<T>): Promise<T>;
}


/**
 * What the store can do, so callers read a flag instead of asking which dialect it is (the
 * habit Kysely itself keeps).
 */
export interface StoreCapabilities {
  /** `SELECT … FOR UPDATE SKIP LOCKED` is available for claiming outbox batches. */
  supportsSkipLocked: boolean;
  /** Several processes may write at once (false: one process owns the database file). */
  multiWriter: boolean;
  /** A query may name the index to use (SQLite's INDEXED BY), where the planner lacks statistics. */
  indexHints: boolean;
}
