/**
 * The public API's responses as clients read them (docs/api.md): the admin UI imports these
 * types instead of keeping its own copy. Type-only and self-contained on purpose: no imports and
 * no values, so web/ (browser types, no Node) can include it and Vite erases every use.
 *
 * Declared here is what the UI reads; a response may carry more fields than are listed.
 * Timestamps: the core keeps epoch milliseconds, and one hook (http/timestamps.ts) turns every
 * numeric field named `at` or ending in `At` into an ISO 8601 string, so here they are strings.
 */

/**
 * A response as the server builds it, before the timestamp hook: every `at` / `…At` field is
 * still epoch milliseconds. The server's view functions return OnServer<…> of the types below,
 * so the compiler keeps this module and the routes in agreement.
 */
export type OnServer<T> = unknown extends T
  ? T
  : T extends string | number | boolean | null | undefined
  ? T
  : T extends readonly (infer E)[]
    ? OnServer<E>[]
    : { [K in keyof T]: K extends 'at' | `${string}At` ? (T[K] extends string ? number : T[K] extends string | null ? number | null : OnServer<T[K]>) : OnServer<T[K]> };

// ---- Lists -------------------------------------------------------------------------------

/** GET /servers, /accounts, /users, /api-keys, /purposes, /dkim, /presets: everything at once. */
export interface List<T> {
  items: T[];
}

/** GET /messages, /audit: one page, newest first; `nextCursor` fetches the next (older) one. */
export interface Page<T> extends List<T> {
  nextCursor: string | null;
}

/** Every 4xx/5xx answer: a stable code from the error catalogue and a sentence for people. */
export interface ErrorResponse {
  error: {
    code: string;
    message: string;
    /** e.g. `{ field: "aliases[1]" }` when a validation error names the field. */
    details?: unknown;
  };
}

// ---- Access: session, users, API keys ----------------------------------------------------

export type Role = 'admin' | 'operator' | 'viewer';
/** What an API key may do. */
export type Scope = 'send' | 'read' | 'admin';
/** What a principal may do: a key's scopes, or a role's (operators also `operate`: retry and cancel). */
export type Permission = Scope | 'operate';

export interface User {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  /** Disabled users cannot sign in; their sessions ended when they were disabled. */
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** GET /session: who is calling. `user` and `csrfToken` are null for an API key. */
export interface SessionInfo {
  user: User | null;
  csrfToken: string | null;
  principal: { kind: 'user' | 'apikey' | 'cli'; label: string; role: Role | null; permissions: Permission[] };
}

/** An API key as listed: never the key itself, only its prefix. */
export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  /** May choose the sending account or server per message. */
  allowOverride: boolean;
  createdBy: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** POST /api-keys: the only answer that ever carries the key. */
export interface NewApiKey extends ApiKey {
  key: string;
}

/** GET /audit: one change or permanent failure; `before` and `after` with secrets redacted. */
export interface AuditEntry {
  id: string;
  at: string;
  /** Who: "user:…", "apikey:…", "cli" … */
  actor: string;
  action: string;
  targetType: string;
  targetId: string | null;
  before: unknown;
  after: unknown;
  ip: string | null;
}

// ---- Senders: servers, accounts, presets, DKIM ------------------------------------------

export type SmtpSecurity = 'starttls' | 'tls' | 'none';
export type TlsTrustMode = 'system' | 'pinned' | 'any';

export interface SmtpSettings {
  host: string;
  port: number;
  security: SmtpSecurity;
  /** Refuse to send unless the session is encrypted (always true for `tls`). */
  requireTls: boolean;
  tlsTrust: { mode: TlsTrustMode; certificate?: string; fingerprint?: string };
  connectTimeoutSec: number;
  sendTimeoutSec: number;
  maxConnections: number;
}

export interface ImapSettings {
  host: string;
  port: number;
  security: 'tls' | 'starttls' | 'none';
}

export interface RetryPolicy {
  backoffSec: number[];
  intervalSec: number;
  expireAfterSec: number;
}

/** Sending limits; a missing key is no limit. */
export interface RateLimit {
  perMinute?: number;
  perHour?: number;
  perDay?: number;
}

/** Where a server or account comes from: an admin, or the deploy-time MAILROOM_SMTP_* variables. */
export type ConfigSource = 'database' | 'env';

export interface MailServer {
  id: string;
  name: string;
  smtp: SmtpSettings;
  imap: ImapSettings | null;
  retry: RetryPolicy;
  rateLimit: RateLimit | null;
  source: ConfigSource;
  /** Fields of an env-sourced server an admin has changed since. */
  overridden: string[];
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** A sender account: whether a password is set, never the password. */
export interface MailAccount {
  id: string;
  serverId: string;
  address: string;
  login: string | null;
  fromName: string | null;
  replyTo: string | null;
  /** Further From identities: full addresses or "@domain". */
  aliases: string[];
  /** A secret reference ("env:…", "file:…") instead of a stored password. */
  passwordRef: string | null;
  passwordSet: boolean;
  active: boolean;
  ownerId: string | null;
  rateLimit: RateLimit | null;
  source: ConfigSource;
  overridden: string[];
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** GET /presets: a provider's SMTP settings, how its login is formed, and its catch. */
export interface ProviderPreset {
  id: string;
  name: string;
  smtp: { host: string; port: number; security: SmtpSecurity };
  /** "{address}" stands for the sender address, "{domain}" for its domain. */
  usernamePattern: string;
  /** What to put in the password field. */
  password: string;
  /** The thing that makes a first attempt with this provider fail. */
  catch: string;
  alternatives?: { port: number; security: SmtpSecurity; note: string }[];
  docs?: string;
}

/** The TXT record that publishes a DKIM key; `chunks` are the value in 255-character strings. */
export interface DnsTxtRecord {
  name: string;
  type: 'TXT';
  value: string;
  chunks: string[];
}

/** GET/PUT /dkim/:domain: the public half of a domain's key and the record to publish. */
export interface DkimKey {
  domain: string;
  selector: string;
  /** Base64 SubjectPublicKeyInfo (the p= of the record). */
  publicKey: string;
  keyBits: number;
  source: 'generated' | 'imported';
  createdAt: string;
  updatedAt: string;
  version: number;
  dnsRecord: DnsTxtRecord;
}

// ---- Routing: purposes, settings ----------------------------------------------------------

export interface Purpose {
  key: string;
  builtin: boolean;
  description: string | null;
  enabled: boolean;
  /** Ordered: the first active one sends; a transient failure moves to the next. */
  accountIds: string[];
  /** 0–100, higher is delivered sooner. */
  priority: number;
  /** Null: the server's retry policy decides. */
  expireAfterSec: number | null;
  globalCopies: boolean;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export type MailDriver = 'smtp' | 'log';
export type SettingSource = 'env' | 'database' | 'default';

/** One setting with where its value comes from. */
export interface Setting<T> {
  value: T;
  source: SettingSource;
  /** True when the API cannot change it (fixed at deploy time). */
  locked: boolean;
  lockedReason?: string;
  updatedAt?: string;
  updatedBy?: string | null;
}

/** GET and PATCH /settings. */
export interface Settings {
  mailDriver: Setting<MailDriver>;
  defaultAccountId: Setting<string | null>;
  globalCc: Setting<string[]>;
  globalBcc: Setting<string[]>;
}

// ---- Outbox: messages, queue, test emails -------------------------------------------------

export type MessageStatus = 'queued' | 'sending' | 'deferred' | 'sent' | 'failed' | 'expired' | 'cancelled' | 'logged' | 'bounced' | 'suppressed';

/** A row of the email log (GET /messages): no bodies. Addresses are display forms ("Name <a@b>"). */
export interface MessageSummary {
  id: string;
  direction: 'out' | 'in';
  status: MessageStatus;
  purpose: string | null;
  priority: number;
  accountId: string | null;
  serverId: string | null;
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  replyTo: string | null;
  subject: string;
  sizeBytes: number;
  attemptCount: number;
  lastError: string | null;
  /** Who submitted it: "api", "cli", "test" … */
  source: string;
  createdBy: string | null;
  idempotencyKey: string | null;
  messageIdHeader: string | null;
  sendAt: string;
  /** Only while queued or deferred. */
  nextAttemptAt: string | null;
  expireAt: string;
  sentAt: string | null;
  createdAt: string;
  updatedAt: string;
  /** An attempt may have delivered it without the server confirming: a retry may send a second copy. */
  possibleDuplicate: boolean;
}

/** One recipient's outcome, with the server's reply. */
export interface Recipient {
  address: string;
  kind: 'to' | 'cc' | 'bcc';
  status: 'pending' | 'accepted' | 'deferred' | 'rejected';
  code: number | null;
  enhancedCode: string | null;
  response: string | null;
  updatedAt: string;
}

/** One delivery attempt. */
export interface Attempt {
  at: string;
  durationMs: number;
  accountId: string | null;
  serverId: string | null;
  outcome: 'sent' | 'partial' | 'deferred' | 'failed' | 'logged';
  code: number | null;
  enhancedCode: string | null;
  response: string | null;
  /** The whole message went out and no fitting reply came: the server may already have it. */
  possibleDuplicate: boolean;
  possibleDuplicateReason: string | null;
}

/** GET /messages/:id: the message in full. */
export interface MessageDetail extends MessageSummary {
  envelopeFrom: string;
  text: string | null;
  html: string | null;
  /**
   * The caller's own headers; Message-ID and the envelope sender are the fields above. For a
   * message from the SMTP relay: the fields Mailroom writes in front of the application's own
   * (Received, and Message-ID or Date when it had none).
   */
  headers: Record<string, string>;
  /** Size of the application's own MIME message (SMTP relay; GET /messages/:id/raw), null when Mailroom composed it. */
  rawBytes: number | null;
  attachments: { filename: string; contentType: string; sizeBytes: number }[];
  routing: { accountId: string | null; serverId: string | null; reason: string; reasonCode: string | null; failoverAccountIds: string[] };
  recipients: Recipient[];
  attempts: Attempt[];
}

/** POST /messages/retry and /messages/cancel: how many matched; `more` when a limit stopped it. */
export interface BulkOutcome {
  count: number;
  more: boolean;
}

/** GET /messages/stats: the outbox at a glance, counted by the server at `at`. */
export interface OutboxStatus {
  at: string;
  queued: number;
  deferred: number;
  sending: number;
  /** When the longest-waiting due message became due; null when none is due. */
  oldestDueAt: string | null;
  /** How long it has waited by the server's clock (0 when none is due). */
  oldestDueSeconds: number;
  failedLast24h: number;
  expiredLast24h: number;
}

/** POST /accounts/:id/test: the test message is in the outbox. */
export interface TestEmailQueued {
  messageId: string;
}

/** POST /accounts/test: one result per account, in the order asked. */
export interface TestEmailResults {
  results: ({ accountId: string; messageId: string } | { accountId: string; error: { code: string; message: string } })[];
}

// ---- Probes: diagnostics, domain check, setup status -------------------------------------

export interface DiagnosticStep {
  /** dns, tcp, tls, ehlo, starttls, auth, send (SMTP); dns, tcp, tls, login, inbox (IMAP). */
  name: string;
  status: 'pass' | 'fail' | 'skip';
  durationMs: number;
  /** What happened, in one sentence. */
  detail: string;
  /** The server's exact reply, credentials redacted. */
  reply?: string;
  /** What to change, for failures Mailroom recognises. */
  hint?: string;
}

/** POST /diagnostics/smtp and /diagnostics/imap. */
export interface DiagnosticResult {
  ok: boolean;
  steps: DiagnosticStep[];
}

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  status: CheckStatus;
  /** The records the verdict is based on, as published. */
  records: string[];
  explanation: string;
  hint?: string;
}

/** GET /domains/:domain/check: MX, SPF, DKIM and DMARC as receivers see them. */
export interface DomainCheck {
  domain: string;
  ok: boolean;
  mx: CheckResult;
  spf: CheckResult & { covers: boolean | null; serverHost: string | null; serverAddresses: string[] };
  dkim: CheckResult & { selector: string | null; name: string | null; matchesConfiguredKey: boolean | null };
  dmarc: CheckResult & { policy: string | null; name: string | null };
}

/** Something an admin still has to do before mail works. */
export interface SetupGap {
  code: 'no_server' | 'no_active_account' | 'no_default_sender' | 'purpose_without_sender' | 'log_driver' | 'key_file_readable';
  message: string;
  fix?: string;
  /** Purpose keys, for purpose_without_sender. */
  purposes?: string[];
}

/** GET /setup/status. */
export interface SetupStatus {
  complete: boolean;
  missing: SetupGap[];
}

// ---- Relay: SMTP credentials, the listener, refusals -------------------------------------

/** How an application logs in to the relay: AUTH with a password (inside TLS), or its client address. */
export type RelayAuthentication = 'password' | 'client-ip';

/** GET /smtp-credentials: an application's login to the SMTP relay. Never the password. */
export interface SmtpCredential {
  id: string;
  name: string;
  username: string;
  authentication: RelayAuthentication;
  /** "app@example.com" or "@example.com": the envelope senders and From addresses it may use. */
  allowedFrom: string[];
  purpose: string | null;
  accountId: string | null;
  maxMessageBytes: number;
  maxRecipients: number;
  perMinute: number | null;
  /** Addresses or CIDRs its clients may connect from; empty: any (password credentials). */
  allowedIps: string[];
  enabled: boolean;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
  lastUsedAt: string | null;
  passwordRotatedAt: string | null;
  version: number;
}

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
  certificate: { source: 'configured' | 'self-signed'; file: string; fingerprint256: string; subject: string; validFromAt: string; expiresAt: string } | null;
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
