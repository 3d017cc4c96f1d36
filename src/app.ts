import type { Kysely } from 'kysely';
import { openCore, type CoreOptions, type CoreRuntime } from './app-core.js';
import type { MailroomConfig } from './config.js';
import { ApiKeyCache } from './core/access/api-key-cache.js';
import { ensureFirstAdmin } from './core/access/bootstrap.js';
import { LoginThrottle } from './core/access/login-throttle.js';
import type { CoreContext } from './core/context.js';
import { RateWindow } from './core/kernel/rate-window.js';
import type { StoreCapabilities } from './core/ports.js';
import { compileNetworkPolicy } from './core/probes/network-policy.js';
import { ensureBuiltinPurposes } from './core/routing/purposes.service.js';
import { ensureBuiltinTemplates } from './core/templates/templates.service.js';
import { applyDeployConfig } from './core/senders/deploy-config.js';
import { dkimSigningOptions } from './core/senders/dkim.service.js';
import type { StoredAccount } from './core/senders/ports.js';
import { isDirect } from './core/senders/servers.js';
import { deliveryWorker, type DeliveryTuning, type DeliveryWorker } from './delivery/delivery-worker.js';
import type { Deliverer } from './delivery/dispatcher.js';
import { createDkimSigner } from './delivery/dkim-signer.js';
import { logTransport } from './delivery/log-transport.js';
import { SmtpThread } from './delivery/smtp/thread.js';
import { directTransports } from './delivery/direct/direct-setup.js';
import type { NetworkPolicy } from './core/probes/network-policy.js';
import { SmtpTransports, type SendTarget } from './delivery/smtp/transport.js';
import { PreviewPages } from './http/preview-pages.js';
import { apiRoutes, type MountedRoutes } from './http/routes/index.js';
import type { Logger } from './logger.js';
import { prometheusMetrics } from './metrics/prometheus.js';
import type { Ports, Worker } from './ports.js';
import { createDnsLookup } from './probes/dns-resolver.js';
import { AUTH_FAILURE_LIMIT, RELAY_THROTTLE_SCOPE, THROTTLE_WINDOW_MS } from './core/relay/authentication.js';
import { RejectionLog } from './core/relay/rejections.js';
import { mailparserHeaderReader } from './relay/header-reader.js';
import { relayWorker } from './relay/listener.js';
import { inboundWorker, type InboundTuning, type InboundWorker } from './inbound/worker.js';
import { socketDiagnosticsRunner } from './probes/runner.js';
import { dkimKeyTool } from './secrets/dkim-keypair.js';
import { keyFileTooOpen, type Keyring } from './secrets/keyring.js';
import { secretProviderAdapters } from './secrets/providers/index.js';
import { SecretResolver } from './secrets/resolver.js';
import { oauth2Port } from './secrets/oauth2/port.js';
import { ping } from './store/database.js';
import { migrationsComplete } from './store/migrator.js';
import type { DB } from './store/schema.js';
import { ErrorCodes, isMailroomError, MailroomError } from './core/kernel/errors.js';
import { httpTransport } from './webhooks/http-transport.js';
import { webhookTargetGuard } from './webhooks/target-guard.js';
import { webhookWorker, type WebhookTuning, type WebhookWorker } from './webhooks/worker.js';
import { searchIndexWorker } from './store/search-index-worker.js';
import { retentionWorker } from './retention/worker.js';
import { autovacuumAdvice } from './store/postgres/pg-autovacuum.js';
import { hostname } from 'node:os';
import { newId } from './core/kernel/ids.js';
import type { ProcessPart } from './core/processes/ports.js';
import { assertOneMailDriver } from './core/processes/processes.service.js';
import { ProcessHeartbeat } from './processes/heartbeat.js';
import { MAILROOM_VERSION } from './processes/mailroom-version.js';
import { processesRepository } from './store/repositories/processes.repository.js';

/** Said at the start of a process whose delivery only logs (the bootstrap adds what else it means). */
const LOG_DRIVER_WARNING = 'MAILROOM_MAIL_DRIVER=log: no mail is sent; messages are only logged';

/** What a worker is called in the list of processes, where its name is not the word. */
const PROCESS_PARTS: Record<string, ProcessPart> = { 'smtp-relay': 'relay' };

/** Diagnostics per principal: enough to iterate on a form, too few to scan a network. */
export const DIAGNOSTICS_PER_MINUTE = 10;
/** Test messages per principal and minute: enough to test every account, not a spam cannon. */
export const TEST_EMAILS_PER_MINUTE = 30;
/** Webhook test events per principal and minute. */
export const WEBHOOK_TESTS_PER_MINUTE = 30;

/**
 * A running Mailroom: the one place where ports meet adapters. Entry points receive `ports`
 * (each route group and worker the part it needs); `infra` is for maintenance commands and
 * tests, never handed to a route or a worker.
 */
export interface App {
  config: Readonly<MailroomConfig>;
  logger: Logger;
  ports: Ports;
  /** The HTTP route table bound to the ports (src/http/routes/index.ts). */
  routes: MountedRoutes;
  /** Background workers, started in order by startWorkers() and stopped in reverse by close(). */
  workers: Worker[];
  infra: { db: Kysely<DB>; keyring: Keyring; capabilities: StoreCapabilities };
  /** Set on the very first start when Mailroom generated the admin password. */
  firstAdmin?: { email: string; generatedPassword?: string };
  /** Migrations this start applied. */
  migrationsApplied: string[];
  /** Where the data lives, for people (never includes a password). */
  describeStorage: string;
  /**
   * How many Mailroom processes listen for wake-ups on this database (their LISTEN connections:
   * `mailroom start` and `mailroom worker`); null on SQLite or when PostgreSQL does not say.
   */
  listeningProcesses(): Promise<number | null>;
  startWorkers(): Promise<void>;
  /** Adds and starts the delivery worker with this tuning (tests and the bench drive it). */
  startDelivery(tuning?: DeliveryTuning): Promise<DeliveryWorker['dispatcher']>;
  /** Adds and starts the webhook worker with this tuning (tests and the bench drive it). */
  startWebhooks(tuning?: WebhookTuning): Promise<WebhookWorker['runner']>;
  /** Adds and starts the IMAP readers with this tuning (tests and the bench drive it). */
  startInbound(tuning?: InboundTuning): Promise<InboundWorker>;
  /** Re-encrypts every stored secret under a new master key (`mailroom rotate-key`). */
  rotateMasterKey: CoreRuntime['rotateMasterKey'];
  close(): Promise<void>;
}

/** What the core takes (src/app-core.ts), and what the rest of the app does with it. */
export interface AppOptions extends Omit<CoreOptions, 'fansOutWebhooks'> {
  /** Skip creating the first admin and applying deploy config (CLI commands that only read or rotate). */
  skipBootstrap?: boolean;
  /**
   * false: the SMTP pools on the main thread instead of a thread of their own (`mailroom
   * worker`, which answers no requests; see src/cli/commands/start.ts).
   */
  smtpThread?: boolean;
  /**
   * Direct delivery's TLS trust beside the system CAs (PEM) and the MTA-STS policy port (443):
   * tests serve policies and exchangers with a CA of their own on loopback.
   */
  direct?: { extraCa?: string[]; mtaStsPort?: number };
}


export async function createApp(config: Readonly<MailroomConfig>, opts: AppOptions = {}): Promise<App> {
  // Whether this process's webhook worker runs: it is made below (or later, by startWebhooks).
  let webhookWorkerRuns = () => false;
  // The store, the key, the events and the templates (src/app-core.ts); the rest is built on top.
  const core = await openCore(config, { ...opts, fansOutWebhooks: () => webhookWorkerRuns() });
  const { clock, logger, ctx, database, keyring, signals, listeners } = core;
  const { store } = ctx;
  try {
    const metrics = prometheusMetrics({ ctx, logger });
    core.onClose(async () => metrics.close());
    // This process in the store's list of processes (GET /processes): started once the workers
    // are known, below; stopped after they are (closers run last added, first).
    const heartbeat = new ProcessHeartbeat({
      repo: processesRepository(database.db),
      clock,
      logger: logger.child({ component: 'processes' }),
      identity: { id: newId('proc'), role: opts.acceptsMail === false ? 'worker' : 'start', hostname: hostname(), pid: process.pid, version: MAILROOM_VERSION, mailDriver: config.mailDriver, startedAt: clock.now() },
      runs: () => [...(opts.acceptsMail === false ? [] : (['api'] as ProcessPart[])), ...[...started].map((w) => PROCESS_PARTS[w.name] ?? (w.name as ProcessPart))],
    });
    core.onClose(() => heartbeat.stop());
    const now = () => clock.now();
    // Secret references (internal, Vault, Key Vault, CyberArk) resolve through one cache for sending, diagnostics and tests.
    const secrets = new SecretResolver({ repos: store.repos, factories: secretProviderAdapters, logger: logger.child({ component: 'secrets' }), ownPaths: [config.dataDir, ...(config.relay?.tls ? [config.relay.tls.keyFile] : [])] });
    core.onClose(() => secrets.close());
    // Diagnostics and webhooks connect where admins point them: one policy says where they may.
    const networkPolicy = compileNetworkPolicy(config.allowPrivateHosts);
    // The SMTP relay (MAILROOM_RELAY_PORT): an entry point that runs as a worker.
    const relay = config.relay
      ? relayWorker(config.relay, config.dataDir, {
          ctx,
          logger: logger.child({ component: 'relay' }),
          throttle: new LoginThrottle(store, now, AUTH_FAILURE_LIMIT, THROTTLE_WINDOW_MS, RELAY_THROTTLE_SCOPE),
          rejections: new RejectionLog(ctx),
          headers: mailparserHeaderReader,
        })
      : undefined;
    const ports: Ports = {
      config,
      logger,
      ctx,
      health: { ping: () => ping(database.db), migrationsComplete: () => migrationsComplete(database.db), writeRefusal: () => database.writeRefusal() },
      metrics,
      loginThrottle: new LoginThrottle(store, now),
      apiKeyCache: new ApiKeyCache(now),
      diagnostics: {
        runner: socketDiagnosticsRunner,
        policy: networkPolicy,
        limiter: new RateWindow(DIAGNOSTICS_PER_MINUTE, 60_000, now, 'diagnostics'),
        // A test reads the credential anew: a rotated password or a revoked token shows now.
        resolvePassword: async (_repos, account) => (await secrets.password(account, { check: true }))?.value,
      },
      dns: createDnsLookup(config.dnsServers),
      dkimKeyTool,
      testEmailLimiter: new RateWindow(TEST_EMAILS_PER_MINUTE, 60_000, now, 'test messages'),
      previewPages: new PreviewPages(),
      keyFileTooOpen: () => (keyring.origin.kind === 'file' && keyFileTooOpen(keyring.origin.path) ? keyring.origin.path : undefined),
      webhooks: {
        guard: webhookTargetGuard(networkPolicy),
        testLimiter: new RateWindow(WEBHOOK_TESTS_PER_MINUTE, 60_000, now, 'webhook test events'),
        // The worker is made below (and maybe later, by startWebhooks): looked up when called.
        endpointsChanged: () => webhooks.current()?.runner.endpointsChanged(),
        // This process's worker if it runs one; else (PostgreSQL) the processes that do.
        deliveriesQueued: () => {
          const worker = webhooks.current();
          if (worker && started.has(worker)) worker.runner.wake();
          else signals?.announce('webhooks');
        },
      },
      secrets,
      oauth2: oauth2Port(secrets, store, now),
      relay: relay ?? { status: () => ({ enabled: false, host: null, listeners: [], certificate: null, startedAt: null }), certificatePem: () => null },
      processId: heartbeat.id,
    };

    const workers: Worker[] = [];
    const started = new Set<Worker>();
    /**
     * Before this process delivers. On a store several processes share (PostgreSQL), one
     * delivering beside a live process with another MAILROOM_MAIL_DRIVER is refused: a log-driver
     * worker beside an SMTP `start` marked its share of real mail `logged`. (SQLite has one
     * process: a row left by a killed one must not hold up its restart with another driver.)
     * The log driver is said in every process that delivers with it: `mailroom worker` skips the
     * bootstrap, whose warning was the only one.
     */
    const beforeDelivery = async () => {
      if (database.capabilities.multiWriter) await assertOneMailDriver(ctx, heartbeat.id, config.mailDriver);
      if (config.mailDriver === 'log' && opts.skipBootstrap) logger.warn(LOG_DRIVER_WARNING);
      if (config.mailDriver === 'log') await warnOfWaitingMail(ctx, logger);
    };
    const startWorker = async (w: Worker) => {
      if (started.has(w)) return;
      if (w.name === 'delivery') await beforeDelivery();
      await w.start();
      started.add(w);
      // The list of processes says what this one runs now, not at its next beat.
      void heartbeat.beat();
    };
    // Workers stop before the infrastructure closes, in reverse order of starting.
    core.onClose(async () => {
      for (const w of [...started].reverse()) await w.stop().catch((err) => logger.warn({ err, worker: w.name }, 'error while stopping a worker'));
    });
    const newDelivery = (tuning: DeliveryTuning = {}) =>
      deliveryWorker(
        { ctx, capabilities: database.capabilities, logger, signals, deliverer: chooseDeliverer(config, ctx, logger, secrets, opts.smtpThread !== false, networkPolicy, opts.direct) },
        { ...definedOnly(config.outbox), ...tuning },
      );
    /**
     * A worker this process may run: built now when it runs workers, else at its first start
     * with the tuning given then (tests and benches); started once, stopped with the rest.
     */
    const onDemand = <W extends Worker, Tuning>(build: (tuning?: Tuning) => W) => {
      let worker = config.runWorkers ? build() : undefined;
      if (worker) workers.push(worker);
      return {
        current: () => worker,
        async start(tuning?: Tuning): Promise<W> {
          if (!worker) {
            worker = build(tuning);
            workers.push(worker);
          }
          await startWorker(worker);
          return worker;
        },
      };
    };
    const delivery = onDemand(newDelivery);
    const newWebhooks = (tuning: WebhookTuning = {}) => webhookWorker({ ctx, capabilities: database.capabilities, logger, signals, transport: httpTransport(networkPolicy) }, tuning);
    const webhooks = onDemand(newWebhooks);
    webhookWorkerRuns = () => {
      const worker = webhooks.current();
      return worker !== undefined && started.has(worker);
    };
    // The IMAP readers: every account with inbound reading switched on.
    const newInbound = (tuning: InboundTuning = {}) => inboundWorker({ ctx, capabilities: database.capabilities, logger, password: async (account, o) => (await secrets.password(account, o))?.value }, tuning);
    const inbound = onDemand(newInbound);
    // SQLite's subject search index is filled in batches (PostgreSQL's is kept by the database).
    if (config.runWorkers && database.capabilities.dialect === 'sqlite') workers.push(searchIndexWorker(store, logger.child({ component: 'search-index' })));
    // The email log's retention (settings.retention; by default nothing is deleted).
    if (config.runWorkers) workers.push(retentionWorker(ctx, logger.child({ component: 'retention' })));
    // After delivery: it starts accepting once messages can leave, and stops first.
    if (relay) workers.push(relay);

    await heartbeat.start();
    const app: App = {
      config,
      logger,
      ports,
      routes: apiRoutes(ports),
      workers,
      infra: { db: database.db, keyring, capabilities: database.capabilities },
      migrationsApplied: core.migrationsApplied,
      describeStorage: database.describe,
      listeningProcesses: async () => (listeners ? listeners().then((pids) => pids.length, () => null) : null),
      async startWorkers() {
        for (const w of workers) await startWorker(w);
      },
      startDelivery: async (tuning) => (await delivery.start(tuning)).dispatcher,
      startWebhooks: async (tuning) => (await webhooks.start(tuning)).runner,
      startInbound: (tuning) => inbound.start(tuning),
      rotateMasterKey: core.rotateMasterKey,
      close: core.close,
    };
    if (!opts.skipBootstrap) {
      // Before the bootstrap: it writes the deploy-time server and account every process on the
      // database sends through, and a log-driver start refused only later (at its workers) had
      // already re-pointed them at the log driver's stand-in under the live smtp processes. Also
      // for `start --no-workers`, whose bootstrap writes them just the same.
      if (database.capabilities.multiWriter) await assertOneMailDriver(ctx, heartbeat.id, config.mailDriver);
      await bootstrap(app);
    }
    return app;
  } catch (err) {
    await core.close();
    throw err;
  }
}

/**
 * The driver the configuration names: `log` (nothing leaves the machine) or `smtp` (pooled
 * transports per account, by default in a worker thread: the second core).
 */
function chooseDeliverer(
  config: Readonly<MailroomConfig>,
  ctx: CoreContext,
  logger: Logger,
  secrets: SecretResolver,
  smtpThread: boolean,
  policy: NetworkPolicy,
  directOpts: AppOptions['direct'] = {},
): Deliverer & { close?(): Promise<void> } {
  if (config.mailDriver === 'log') {
    const log = logTransport(logger);
    return { logOnly: true, send: (_target, out) => log.send(out) };
  }
  const repos = ctx.store.repos;
  const password = (account: StoredAccount, o?: { fresh?: boolean }) => secrets.password(account, o);
  const smtpLogger = logger.child({ component: 'smtp' });
  if (smtpThread) {
    // Relays and direct servers alike: the thread chooses by the server's mode.
    const direct = { dnsServers: [...config.dnsServers], allowPrivateHosts: [...config.allowPrivateHosts], extraCa: directOpts.extraCa, mtaStsPort: directOpts.mtaStsPort };
    const thread = new SmtpThread({ password, logger: smtpLogger, dkim: (domain) => dkimSigningOptions(repos, domain), direct });
    return { logOnly: false, send: (target, out) => sendWith(target, (t) => thread.send(t, out)), shed: (reason) => thread.shed(reason), prepare: () => thread.prepare(), close: () => thread.close() };
  }
  const smtp = new SmtpTransports({ password, logger: smtpLogger, dkim: createDkimSigner(repos) });
  const direct = directTransports({ dnsServers: config.dnsServers, policy, logger: logger.child({ component: 'direct' }), dkim: createDkimSigner(repos), ...directOpts });
  return {
    logOnly: false,
    send: (target, out) => sendWith(target, (t) => (isDirect(t.server.smtp) ? direct.send(t, out) : smtp.send(t, out))),
    // Direct delivery lets go of the parts still waiting for a domain's connection, as the SMTP
    // thread does (DirectTransports.shed): a half-delivered message is recorded, the rest deferred.
    shed: (reason) => {
      smtp.shed(reason);
      direct.shed(reason);
    },
    close: async () => {
      await direct.close();
      await smtp.close();
    },
  };
}

/**
 * The log driver marks every due message `logged`, also mail accepted under the smtp driver before
 * a restart switched drivers: said with the count before any is taken, so an operator who
 * switched by mistake can stop and restart with the smtp driver before it is gone.
 */
async function warnOfWaitingMail(ctx: CoreContext, logger: Logger): Promise<void> {
  const stats = await ctx.store.repos.messages.queueStats(ctx.clock.now());
  const waiting = stats.queued + stats.deferred + stats.sending;
  if (!waiting) return;
  logger.warn(
    { queued: stats.queued, deferred: stats.deferred, sending: stats.sending },
    `MAILROOM_MAIL_DRIVER=log: ${waiting} message${waiting === 1 ? '' : 's'} waiting in the queue (accepted before this start, perhaps under the smtp driver) will be marked logged as they come due, never sent; to send ${waiting === 1 ? 'it' : 'them'}, stop now and start with MAILROOM_MAIL_DRIVER=smtp`,
  );
}

/** The settings that are set (an unset one leaves the worker's default in place). */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function sendWith<T>(target: SendTarget | null, send: (target: SendTarget) => T): T {
  if (!target) throw new Error('smtp delivery needs a sending account');
  return send(target);
}

/**
 * What a start puts in place before anyone is served: the built-in purposes, the MAILROOM_*
 * variables turned into the env server and account (MAILROOM_E_CONFIG naming every missing or
 * bad one), and the first admin.
 */
async function bootstrap(app: App): Promise<void> {
  const { ctx } = app.ports;
  const added = await ensureBuiltinPurposes(ctx);
  if (added.length) app.logger.info({ purposes: added }, 'built-in purposes stored');
  const templates = await ensureBuiltinTemplates(ctx);
  if (templates.length) app.logger.info({ templates }, 'built-in templates stored');
  const outcome = await applyDeployConfig(ctx, { mailDriver: app.config.mailDriver, deploySmtp: app.config.deploySmtp });
  if (outcome.changes.length) app.logger.info({ serverId: outcome.serverId, accountId: outcome.accountId, changes: outcome.changes }, 'deploy-time mail configuration applied');
  if (app.config.mailDriver === 'log') app.logger.warn(`${LOG_DRIVER_WARNING}, and server settings are read-only`);
  // PostgreSQL (the multi-writer store) without autovacuum: said once, at start.
  const maintenance = app.infra.capabilities.multiWriter ? await autovacuumAdvice(app.infra.db) : null;
  if (maintenance) app.logger.warn(maintenance);
  app.firstAdmin = await ensureFirstAdmin(ctx, app.config.admin).catch((err: unknown) => {
    throw firstAdminRefused(err);
  });
}

/** The first admin's email or password refused, said as the variable that carried it. */
const ADMIN_VARIABLES: Record<string, string> = { email: 'MAILROOM_ADMIN_EMAIL', password: 'MAILROOM_ADMIN_PASSWORD' };
function firstAdminRefused(err: unknown): unknown {
  const field = isMailroomError(err) ? (err.details as { field?: unknown } | undefined)?.field : undefined;
  const variable = typeof field === 'string' ? ADMIN_VARIABLES[field] : undefined;
  if (!variable || !isMailroomError(err)) return err;
  // The core says "password: must be …"; the operator set a variable, not a field.
  return new MailroomError(ErrorCodes.CONFIG, `${variable} (the first admin): ${err.message.replace(/^\w+: /, '')}`);
}
