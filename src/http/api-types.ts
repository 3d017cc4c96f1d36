/**
 * The public API's responses as clients read them; the admin UI imports these types (through
 * web/src/api.ts) instead of keeping its own copy. Every shape is DERIVED from what the server
 * really returns (the core's types and the HTTP views), so the two cannot drift apart: one
 * source of truth, type-only (Vite erases every use; nothing here reaches the browser bundle).
 *
 * Timestamps: the core keeps epoch milliseconds, and one hook (http/timestamps.ts) turns every
 * numeric field named `at` or ending in `At` into an ISO 8601 string on the way out; Wire<T>
 * says the same in types.
 */
import type { ApiKey as CoreApiKey, ApiKeyCreator as CoreApiKeyCreator, ApiKeyState, Permission, Scope } from '../core/access/auth.js';
import type { Role, User as CoreUser } from '../core/access/users.js';
import type { AuditName, NamedAuditEntry } from '../core/kernel/audit-names.js';
import type { MessageStatus } from '../core/outbox/messages.js';
import type { OutboxStatus as CoreOutboxStatus } from '../core/outbox/messages.service.js';
import type { TestEmailResult, TestEmailSent } from '../core/outbox/test-email.service.js';
import type { CheckResult, CheckStatus, DomainCheck as CoreDomainCheck } from '../core/probes/domain-check.service.js';
import type { DiagnosticResult as CoreDiagnosticResult, DiagnosticStep as CoreDiagnosticStep } from '../core/probes/diagnostics.js';
import type { SetupGap, SetupStatus } from '../core/probes/setup-status.js';
import type { Purpose as CorePurpose } from '../core/routing/purposes.js';
import type { SettingSource, SettingView, SettingsView } from '../core/routing/settings.service.js';
import type { MailAccount as CoreMailAccount } from '../core/senders/accounts.js';
import type { dkimDnsRecord, publicDkimKey } from '../core/senders/dkim.js';
import type { ProviderPreset } from '../core/senders/presets.js';
import type { ImapSettings, MailServer as CoreMailServer, RateLimit, RetryPolicy, SmtpSecurity, SmtpSettings, TlsTrustMode } from '../core/senders/servers.js';
import type { Branding } from '../core/templates/branding.js';
import type { TemplateErrorDetails } from '../core/templates/ports.js';
import type { LayoutView } from '../core/templates/layouts.service.js';
import type { Preview } from '../core/templates/preview.service.js';
import type { TemplateView } from '../core/templates/templates.service.js';
import type { LocaleContent, TemplateVersion } from '../core/templates/templates.js';
import type { messageDetail, messageSummary } from './routes/messages-view.js';
import type { CredentialView } from '../core/relay/credential-sending.js';
import type { Authentication } from '../core/relay/credentials.js';
import type { Condition, ConditionOp } from '../core/notify/conditions.js';
import type { DryRun as CoreDryRun, EventAnswer, EventDetail as CoreEventDetail, EventView } from '../core/notify/events.service.js';
import type { EventMatch } from '../core/notify/ports.js';
import type { Rule as CoreRule } from '../core/notify/rules.js';
import type { SecretProvider as CoreSecretProvider } from '../core/credentials/providers.js';
import type { ProviderTestResult as ProviderTest } from '../core/credentials/providers.service.js';
import type { NamedSecretView } from '../core/credentials/named-secrets.service.js';
import type { ListedSecret } from '../core/credentials/ports.js';
import type { ProviderKind } from '../core/credentials/references.js';
import type { EndpointHealth, WebhookEndpoint as CoreWebhookEndpoint } from '../core/webhooks/endpoints.js';
import type { WebhookEventType } from '../core/webhooks/event-types.js';

/** A server-side shape as it travels: `at` / `…At` numbers become ISO 8601 strings. */
export type Wire<T> = unknown extends T
  ? T
  : T extends string | number | boolean | null | undefined
    ? T
    : T extends readonly (infer E)[]
      ? Wire<E>[]
      : { [K in keyof T]: K extends 'at' | `${string}At` ? Stamp<T[K]> : Wire<T[K]> };

/** A timestamp field's type on the wire (distributes over `| null`, `| undefined`). */
type Stamp<V> = V extends number ? string : Wire<V>;

// ---- Lists and errors ---------------------------------------------------------------------

/** GET /servers, /accounts, /users, /api-keys, /purposes, /dkim, /presets: everything at once. */
export interface List<T> {
  items: T[];
}

/** GET /messages, /audit: one page, newest first; `nextCursor` fetches the next (older) one. */
export interface Page<T> extends List<T> {
  nextCursor: string | null;
}

/** Every 4xx/5xx answer: a stable code from the error catalogue (docs/api.md) and a sentence for people. */
export interface ErrorResponse {
  error: {
    code: string;
    message: string;
    /** e.g. `{ field: "aliases[1]" }` when a validation error names the field. */
    details?: unknown;
  };
}

// ---- Access: session, users, API keys ----------------------------------------------------

export type { Permission, Role, Scope };
export type User = Wire<CoreUser>;
/** An API key as listed: never the key itself, only its prefix. */
export type ApiKey = Wire<CoreApiKey>;
/** Whether a key works now, and if not why (docs/security.md, "API keys and their creators"). */
export type { ApiKeyState };
/** The user a key answers to, as they are now. */
export type ApiKeyCreator = Wire<CoreApiKeyCreator>;
/** POST /api-keys: the only answer that ever carries the key. */
export type NewApiKey = ApiKey & { key: string };
/**
 * GET /audit: one change or permanent failure; `before` and `after` with secrets redacted;
 * `names` names every id it shows (and a key-named target by its key), also once the item is
 * deleted (`deleted: true`); a revoked API key, still listed, is `revoked: true`.
 */
export type AuditEntry = Wire<NamedAuditEntry>;
export type { AuditName };

/** GET /session: who is calling. `user` and `csrfToken` are null for an API key. */
export interface SessionInfo {
  user: User | null;
  csrfToken: string | null;
  principal: { kind: 'user' | 'apikey' | 'cli'; label: string; role: Role | null; permissions: Permission[] };
}

// ---- Senders: servers, accounts, presets, DKIM ------------------------------------------

export type { ImapSettings, ProviderPreset, RateLimit, RetryPolicy, SmtpSecurity, SmtpSettings, TlsTrustMode };
export type MailServer = Wire<CoreMailServer>;
/** A sender account: whether a password is set, never the password. */
export type MailAccount = Wire<CoreMailAccount>;
/** The TXT record that publishes a DKIM key; `chunks` are the value in 255-character strings. */
export type DnsTxtRecord = ReturnType<typeof dkimDnsRecord>;
/** GET/PUT /dkim/:domain: the public half of a domain's key and the record to publish. */
export type DkimKey = Wire<ReturnType<typeof publicDkimKey>>;

// ---- Routing: purposes, settings ----------------------------------------------------------

export type Purpose = Wire<CorePurpose>;
export type MailDriver = SettingsView['mailDriver']['value'];
export type { SettingSource };
/** One setting with where its value comes from. */
export type Setting<T> = Wire<SettingView<T>>;
/** GET and PATCH /settings. */
export type Settings = Wire<SettingsView>;

// ---- Outbox: messages, queue, test emails -------------------------------------------------

export type { MessageStatus };
/** A row of the email log (GET /messages): no bodies. Addresses are display forms ("Name <a@b>"). */
export type MessageSummary = Wire<ReturnType<typeof messageSummary>>;
/** GET /messages/:id: the message in full. */
export type MessageDetail = Wire<ReturnType<typeof messageDetail>>;
/** One recipient's outcome, with the server's reply. */
export type Recipient = MessageDetail['recipients'][number];
/** One delivery attempt. */
export type Attempt = MessageDetail['attempts'][number];

/** POST /messages/retry and /messages/cancel: how many matched; `more` when a limit stopped it. */
export interface BulkOutcome {
  count: number;
  more: boolean;
}

/** GET /messages/stats: the outbox at a glance, counted by the server at `at`. */
export type OutboxStatus = Wire<CoreOutboxStatus>;

/**
 * POST /accounts/:id/test: the test message is in the outbox. Only when asked to confirm:
 * `confirmation` as the message reads now (MessageDetail.confirmation): "pending" until the
 * account's own mailbox receives it, or "reader_failing" at once while the account's IMAP reader
 * fails, with its error in `confirmationError` (null otherwise).
 */
export type TestEmailQueued = Wire<TestEmailSent>;

/** POST /accounts/test: one result per account, in the order asked. */
export interface TestEmailResults {
  results: TestEmailResult[];
}

// ---- Templates: templates, layouts, previews ---------------------------------------------

export type { LocaleContent };
/** GET /templates/:key (`modified`: a built-in that differs from what Mailroom ships). */
export type Template = Wire<TemplateView>;
/** GET /templates/:key/versions: the history, newest first. */
export type TemplateVersionSummary = Wire<Pick<TemplateVersion, 'key' | 'version' | 'createdAt' | 'createdBy'>>;
/** GET /layouts/:key. */
export type Layout = Wire<LayoutView>;
/** POST /templates/:key/preview: what would be sent; nothing is stored. */
export type TemplatePreview = Wire<Preview> & {
  /** Where the editor's sandboxed frame loads the HTML part (GET /previews/:id, for a minute); null without one. */
  htmlUrl: string | null;
};
/** `settings.branding`: what layouts show as `brand.*`. */
export type { Branding };

/** `details` of a MAILROOM_E_TEMPLATE_* error: where it happened. */
export type { TemplateErrorDetails };

// ---- Probes: diagnostics, domain check, setup status -------------------------------------

export type DiagnosticStep = Wire<CoreDiagnosticStep>;
/** POST /diagnostics/smtp and /diagnostics/imap. */
export type DiagnosticResult = Wire<CoreDiagnosticResult>;
export type { CheckResult, CheckStatus, SetupGap, SetupStatus };
/** GET /domains/:domain/check: MX, SPF, DKIM and DMARC as receivers see them. */
export type DomainCheck = Wire<CoreDomainCheck>;

// ---- Events and notification rules -------------------------------------------------------

export type { Condition, ConditionOp, EventAnswer, EventMatch };
/** GET /rules/:id; GET /rules lists them in priority order. */
export type Rule = Wire<CoreRule>;
/** An item of GET /events. */
export type NotifyEventItem = Wire<EventView>;
/** GET /events/:id: the event, what matched and the messages with their status. */
export type EventDetail = Wire<CoreEventDetail>;
/** POST /rules/test: verdicts and the rendered mail, nothing sent. */
export type DryRun = Wire<CoreDryRun>;

// ---- Webhooks ----------------------------------------------------------------------------

/** The events an endpoint may subscribe to in this version (docs/webhooks.md). */
export type { WebhookEventType };
/** How an endpoint is doing: `failing` while attempts fail, `disabled` once switched off. */
export type WebhookHealth = Wire<EndpointHealth>;
/** GET /webhooks, /webhooks/:id: never the secret. */
export type WebhookEndpoint = Wire<CoreWebhookEndpoint>;

/** POST /webhooks and /webhooks/:id/rotate-secret: the only answers that carry the secret. */
export interface NewWebhookSecret extends WebhookEndpoint {
  secret: string;
}

export type WebhookDeliveryStatus = 'pending' | 'sending' | 'succeeded' | 'failed';

/** GET /webhooks/:id/deliveries: one event for this endpoint. */
export interface WebhookDelivery {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  status: WebhookDeliveryStatus;
  attemptCount: number;
  /** When the next attempt is due; null unless the delivery is pending (an attempt under way, or done). */
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  replayOf: string | null;
  replayedBy: string | null;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
}

export interface WebhookAttempt {
  id: string;
  deliveryId: string;
  at: string;
  durationMs: number;
  outcome: 'succeeded' | 'failed';
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
}

/** GET /webhooks/:id/deliveries/:deliveryId: the delivery with what was sent and every attempt. */
export interface WebhookDeliveryDetail extends WebhookDelivery {
  /** The webhook-id header: the same on every attempt and replay. */
  webhookId: string;
  payload: unknown;
  attempts: WebhookAttempt[];
}

/** POST /webhooks/:id/test. */
export interface WebhookTestQueued {
  eventId: string;
  deliveryId: string;
}

// ---- Relay: SMTP credentials, the listener, refusals -------------------------------------

/** How an application logs in to the relay: AUTH with a password (inside TLS), or its client address. */
export type RelayAuthentication = Authentication;

/** GET /smtp-credentials: an application's login to the SMTP relay, and whom its mail leaves from now. Never the password. */
export type SmtpCredential = Wire<CredentialView>;

/** POST /smtp-credentials and POST /smtp-credentials/:id/rotate: the only answers with the password. */
export interface NewSmtpCredential extends SmtpCredential {
  /** Absent for a client-ip credential. */
  password?: string;
}

/** GET /relay/status. */
export interface RelayStatus {
  /** False when MAILROOM_RELAY_PORT is not set. */
  enabled: boolean;
  host: string | null;
  listeners: { port: number; tls: 'starttls' | 'implicit'; listening: boolean }[];
  /** `names`: the DNS names and IP addresses the certificate holds, the hosts a client that checks the name accepts. */
  certificate: { source: 'configured' | 'self-signed'; file: string; fingerprint256: string; subject: string; names: string[]; validFromAt: string; expiresAt: string } | null;
  startedAt: string | null;
}

/** GET /relay/rejections: a command or session the relay refused, with the reply the client got. */
export interface RelayRejection {
  id: string;
  at: string;
  clientIp: string | null;
  credentialId: string | null;
  /** The username a client tried to log in with. */
  username: string | null;
  stage: 'connect' | 'auth' | 'mail' | 'rcpt' | 'data' | 'protocol';
  code: number;
  reply: string;
}

/** GET /secret-providers: a vault Mailroom reads passwords from; credentials are never shown. */
export type SecretProvider = Wire<CoreSecretProvider>;
export type { ProviderKind };

/** GET /secrets: an internal named secret; the value is never shown. */
export type NamedSecret = Wire<NamedSecretView>;

/** POST /secret-providers/:id/test: found (length, version) or the provider's error with a hint; never the value. */
export type ProviderTestResult = ProviderTest;

/** GET /secret-providers/:id/secrets: what the account form's picker offers. */
export type { ListedSecret };

// ---- Processes ---------------------------------------------------------------------------

/** The processes sharing the store, alive or gone (GET /processes). */
export type ProcessList = Wire<import('../core/processes/processes.service.js').ProcessList>;

// ---- Inbound -----------------------------------------------------------------------------

/** An address later sends skip (docs/api.md#suppressions). */
export type Suppression = Wire<import('../core/inbound/suppressions.js').Suppression>;
/** The unread count and each IMAP reader's state (GET /inbound/status). */
export type InboundStatus = Wire<import('../core/inbound/status.service.js').InboundStatus>;
