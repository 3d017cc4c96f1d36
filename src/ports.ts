import type { MailroomConfig } from './config.js';
import type { ApiKeyCache } from './core/access/api-key-cache.js';
import type { LoginThrottle } from './core/access/login-throttle.js';
import type { CoreContext } from './core/context.js';
import type { RateWindow } from './core/kernel/rate-window.js';
import type { DiagnosticsDeps } from './core/probes/diagnostics.service.js';
import type { DnsLookup } from './core/probes/spf.js';
import type { DkimKeyTool } from './core/senders/dkim.js';
import type { PreviewPages } from './http/preview-pages.js';
import type { WebhookTargetGuard } from './core/webhooks/ports.js';
import type { Logger } from './logger.js';
import type { SecretProviderClient } from './core/credentials/ports.js';
import type { TokenHealth } from './core/senders/account-auth.js';
import type { StoredAccount } from './core/senders/ports.js';
import type { ConnectFinish, ConnectStarter, FlowState } from './core/senders/oauth2-connect-flow.js';
import type { ConnectOutcome, LastConnect } from './core/senders/oauth2-connect-outcome.js';

/** Whether the store answers and its schema is current (/readyz). */
export interface StoreHealth {
  ping(): Promise<void>;
  migrationsComplete(): Promise<boolean>;
  /** Why the database takes no writes (a standby, read-only), or null when it does. */
  writeRefusal(): Promise<string | null>;
}

/** One answered HTTP request, as the server reports it to the metrics. */
export interface AnsweredRequest {
  method: string;
  /** The route's pattern (`/api/v1/messages/:id`), never the URL itself; undefined when no route matched. */
  route: string | undefined;
  status: number;
  seconds: number;
}

/** The Prometheus metrics of this app: process metrics, message counters, outbox gauges, HTTP answer times. */
export interface MetricsExposition {
  contentType: string;
  text(): Promise<string>;
  /** Counts one answered request into the HTTP answer-time histogram. */
  observeRequest(r: AnsweredRequest): void;
}

/** The SMTP relay as the admin UI sees it (GET /relay/status). */
export interface RelayStatus {
  /** False when MAILROOM_RELAY_PORT is unset (or in `mailroom worker`). */
  enabled: boolean;
  /** The address it listens on. */
  host: string | null;
  listeners: { port: number; tls: 'starttls' | 'implicit'; listening: boolean }[];
  certificate: { source: 'configured' | 'self-signed'; file: string; fingerprint256: string; subject: string; names: string[]; validFromAt: number; expiresAt: number } | null;
  startedAt: number | null;
}

/**
 * Everything the entry points and workers may use, built once by src/app.ts (the one place
 * that chooses adapters). Each route group and worker takes the narrow part it needs
 * (`Pick<Ports, …>`), never the whole app.
 */
export interface Ports {
  config: Readonly<MailroomConfig>;
  logger: Logger;
  /** Store, clock and message events: what every core service takes. */
  ctx: CoreContext;
  health: StoreHealth;
  metrics: MetricsExposition;
  loginThrottle: LoginThrottle;
  apiKeyCache: ApiKeyCache;
  diagnostics: DiagnosticsDeps;
  dns: DnsLookup;
  dkimKeyTool: DkimKeyTool;
  /** Test emails per principal and minute. */
  testEmailLimiter: RateWindow;
  /** Unsaved template and layout previews, kept a minute for the editor's frame. */
  previewPages: PreviewPages;
  /** The key file's path when its permissions let others read it (the setup banner says so). */
  keyFileTooOpen(): string | undefined;
  /**
   * Where webhook URLs may lead (the network policy), test events per principal and minute, and
   * what to tell this process's webhook worker when an endpoint was created or switched on (it
   * looks at the journal less often while none is enabled).
   */
  webhooks: {
    guard: WebhookTargetGuard;
    testLimiter: RateWindow;
    endpointsChanged(): void;
    /** Deliveries were queued without an event (a test event, a replay): the worker sends them now, not at its next poll. */
    deliveriesQueued(): void;
  };
  /** Reads secret providers for their test button and the account form's picker (the same cache sending uses). */
  secrets: SecretProviderClient;
  oauth2: OAuth2Port;
  /** The SMTP submission relay's state, and its certificate (PEM) for clients to trust or pin. */
  relay: { status(): RelayStatus; certificatePem(): string | null };
  /** This process's id in the store's list of processes (GET /processes marks it `self`). */
  processId: string;
}

/** OAuth2 accounts: their token's health, a check now, and "Connect" (authorization code with PKCE). */
export interface OAuth2Port {
  health(account: StoredAccount): TokenHealth | null;
  /** Fetches (or reuses) a token now; never returns it. */
  check(account: StoredAccount): Promise<{ ok: true; expiresAt: number } | { ok: false; error: { code: string; message: string; hint?: string } }>;
  /**
   * A sign-in for the admin's browser: the URL to open, and a key that browser keeps (a cookie)
   * to come back with. Sign-ins are kept in the store: the browser may come back to any process.
   */
  start(account: StoredAccount, redirectUri: string, startedBy: ConnectStarter): Promise<{ authorizeUrl: string; state: string; expiresAt: number; browserKey: string }>;
  lookup(state: string, browserKey: string | undefined): Promise<FlowState>;
  /** Ends an open sign-in without a code (refused, nothing usable, no longer permitted): false when another way back spent it first. */
  spend(state: string): Promise<boolean>;
  /** Spends the sign-in (exactly one of concurrent ways back does) and exchanges the code. */
  finish(account: StoredAccount, state: string, code: string): Promise<ConnectFinish>;
  /** What the account's last Connect came to, for its page (kept in the store). */
  recordConnect(accountId: string, outcome: ConnectOutcome): Promise<void>;
  lastConnect(accountId: string): Promise<LastConnect | null>;
}

/** The queues whose new work other processes sharing the database are told about. */
export type WorkKind = 'outbox' | 'webhooks';

/**
 * Wake-ups across the processes that share one PostgreSQL database (LISTEN/NOTIFY). Each
 * worker polls anyway; a signal only shortens the wait, so a lost one costs latency, never
 * a message. SQLite has none: one process owns the file, and the events port wakes it.
 */
export interface WorkSignals {
  /**
   * Tells the other processes that work of this kind was committed here (coalesced: one signal
   * per event-loop turn); `urgent: false` says it is bulk mail that may wait for their next
   * gathered claim (default true: may be urgent).
   */
  announce(kind: WorkKind, urgent?: boolean): void;
  /**
   * Calls `fn` when another process announces work of this kind (`urgent` false when all it
   * announced was bulk), and once, urgent, after the listening connection comes back (signals
   * sent while it was away are lost). Resolves once listening (or once the first attempt
   * failed: the worker polls meanwhile); returns the unsubscriber.
   */
  subscribe(kind: WorkKind, fn: (urgent: boolean) => void): Promise<() => void>;
  /** Sends what is announced and not yet sent, then stops listening. */
  close(): Promise<void>;
}

/** Something that runs in the background of `mailroom start` / `mailroom worker`. */
export interface Worker {
  name: string;
  start(): Promise<void>;
  /** Stops taking work and lets work in progress finish; workers stop in reverse order. */
  stop(): Promise<void>;
}
