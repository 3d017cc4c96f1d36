/** The shapes of the public API (shared/API.md) as the admin UI reads them. */

export type Role = 'admin' | 'operator' | 'viewer';
export type Permission = 'send' | 'read' | 'operate' | 'admin';

export interface User {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
  version: number;
}

export interface SessionInfo {
  user: User | null;
  csrfToken: string | null;
  principal: { kind: string; label: string; role: Role | null; permissions: Permission[] };
}

export type SmtpSecurity = 'starttls' | 'tls' | 'none';
export type TlsTrustMode = 'system' | 'pinned' | 'any';

export interface SmtpSettings {
  host: string;
  port: number;
  security: SmtpSecurity;
  requireTls: boolean;
  tlsTrust: { mode: TlsTrustMode; certificate?: string; fingerprint?: string };
  connectTimeoutSec: number;
  sendTimeoutSec: number;
  maxConnections: number;
}

export interface RateLimit {
  perMinute?: number;
  perHour?: number;
  perDay?: number;
}

export interface MailServer {
  id: string;
  name: string;
  smtp: SmtpSettings;
  imap: { host: string; port: number; security: 'tls' | 'starttls' | 'none' } | null;
  retry: { backoffSec: number[]; intervalSec: number; expireAfterSec: number };
  rateLimit: RateLimit | null;
  source: 'database' | 'env';
  overridden?: string[];
  version: number;
}

export interface MailAccount {
  id: string;
  serverId: string;
  address: string;
  login: string | null;
  fromName: string | null;
  replyTo: string | null;
  aliases: string[];
  passwordRef: string | null;
  passwordSet: boolean;
  active: boolean;
  ownerId: string | null;
  rateLimit?: RateLimit | null;
  source: 'database' | 'env';
  version: number;
}

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: ('send' | 'read' | 'admin')[];
  allowOverride: boolean;
  createdBy: string | null;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  targetType: string;
  targetId: string | null;
  before?: unknown;
  after?: unknown;
  ip: string | null;
}

export const MESSAGE_STATUSES = ['queued', 'sending', 'deferred', 'sent', 'failed', 'expired', 'cancelled', 'logged', 'bounced', 'suppressed'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];
/** Statuses after which nothing more will happen to a message unless someone retries it. */
export const FINAL_STATUSES: readonly string[] = ['sent', 'failed', 'expired', 'cancelled', 'logged', 'bounced', 'suppressed'];

/** A row of the email log; the list may leave out bodies, so most fields are optional. */
export interface MessageSummary {
  id: string;
  status: MessageStatus | string;
  purpose?: string | null;
  accountId?: string | null;
  from?: string | null;
  to?: string[];
  subject?: string | null;
  createdAt?: string | number;
  updatedAt?: string | number;
  sentAt?: string | number | null;
  attemptCount?: number;
  lastError?: string | null;
  direction?: string;
}

export interface Recipient {
  address: string;
  kind?: string;
  status: string;
  code?: number | string | null;
  enhancedCode?: string | null;
  response?: string | null;
}

export interface Attempt {
  at: string | number;
  durationMs?: number | null;
  accountId?: string | null;
  serverId?: string | null;
  outcome: string;
  code?: number | string | null;
  enhancedCode?: string | null;
  response?: string | null;
}

export interface MessageDetail extends MessageSummary {
  cc?: string[];
  bcc?: string[];
  replyTo?: string | null;
  text?: string | null;
  html?: string | null;
  headers?: Record<string, string | string[]> | { key: string; value: string }[] | null;
  recipients?: Recipient[];
  attempts?: Attempt[];
  routing?: { accountId?: string | null; reason?: string | null } | null;
  messageIdHeader?: string | null;
  envelopeFrom?: string | null;
  expireAt?: string | number | null;
  nextAttemptAt?: string | number | null;
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

export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}

export interface Purpose {
  key: string;
  description?: string | null;
  builtin?: boolean;
  enabled: boolean;
  accountIds: string[];
  priority: number;
  expireAfterSec: number | null;
  globalCopies: boolean;
  version?: number;
}

/** One setting as the UI shows it: its value and where the value came from. */
export interface SettingView {
  key: string;
  value: unknown;
  source: string;
  locked: boolean;
  reason?: string | null;
  updatedAt?: string | number;
  updatedBy?: string | null;
}

export interface SetupStatus {
  complete: boolean;
  missing: { code: string; message: string; fix?: string; link?: string }[];
}

export interface Preset {
  id: string;
  name: string;
  smtp: Partial<SmtpSettings>;
  username?: string;
  notes: string[];
}

export interface DiagnosticStep {
  name: string;
  status: 'pass' | 'fail' | 'skip' | string;
  durationMs?: number;
  detail?: string;
  reply?: string;
  hint?: string;
}

export interface DiagnosticResult {
  ok: boolean;
  steps: DiagnosticStep[];
}

/** A sender domain's DKIM key as GET/PUT /dkim return it: the public half and the record to publish. */
export interface DkimKey {
  domain: string;
  selector: string;
  publicKey: string;
  keyBits: number;
  source: 'generated' | 'imported';
  createdAt: string | number;
  updatedAt: string | number;
  version: number;
  dnsRecord: { name: string; type: 'TXT'; value: string; chunks: string[] };
}

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  status: CheckStatus;
  records: string[];
  explanation: string;
  hint?: string;
}

/** GET /domains/:domain/check */
export interface DomainCheck {
  domain: string;
  ok: boolean;
  mx: CheckResult;
  spf: CheckResult & { covers: boolean | null; serverHost: string | null; serverAddresses: string[] };
  dkim: CheckResult & { selector: string | null; name: string | null; matchesConfiguredKey: boolean | null };
  dmarc: CheckResult & { policy: string | null; name: string | null };
}
