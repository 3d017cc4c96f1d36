import { rootCertificates } from 'node:tls';
import { groupByDomain } from '../../core/direct/destinations.js';
import { DomainPacing } from '../../core/direct/domain-pacing.js';
import { mxAllowedByPolicy } from '../../core/direct/mta-sts.js';
import type { AttemptRoute, NegotiatedTls } from '../../core/outbox/attempt-route.js';
import type { AttemptReport } from '../../core/outbox/retry-policy.js';
import { checkExchanger, type NetworkPolicy } from '../../core/probes/network-policy.js';
import { DEFAULT_DIRECT_POLICY, type SmtpSettings } from '../../core/senders/servers.js';
import type { DkimSigner } from '../dkim-signer.js';
import { composeMail, type Composable } from '../smtp/composed-mail.js';
import type { SmtpFailure } from '../smtp/guarded-connection.js';
import { GuardedPool } from '../smtp/pool.js';
import { reportFromError, reportFromInfo } from '../smtp/smtp-errors.js';
import type { SendTarget } from '../smtp/transport.js';
import { decided, mergeDomainResults, type DomainResult } from './domain-report.js';
import type { ExchangerLookup } from './exchanger-lookup.js';
import type { MtaStsSource } from './mta-sts-source.js';
import { PassedOver } from './passed-over.js';
import { Slots } from './slots.js';
import { failedAfterStarttls, handshakeFailure } from './tls-handshake-failure.js';

export interface DirectLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface DirectDeps {
  lookup: ExchangerLookup;
  /** Which exchanger addresses may be connected to (public ones, and the allow-list). */
  policy: NetworkPolicy;
  logger: DirectLogger;
  dkim?: DkimSigner;
  /** MTA-STS policies of recipient domains; absent: none are looked up. */
  mtaSts?: MtaStsSource;
  /** Extra trust anchors (PEM) beside the system CAs, for exchangers whose TLS is verified. */
  extraCa?: string[];
  now?: () => number;
}

type TlsPolicy = AttemptRoute['tlsPolicy'];

interface Exchanger {
  host: string;
  address: string;
  port: number;
  tlsPolicy: TlsPolicy;
  /** A session without STARTTLS: the opportunistic retry after a failed handshake. */
  plain?: boolean;
}

/** One transaction's outcome at one exchanger address, with what decides whether to try elsewhere. */
interface Outcome {
  report: AttemptReport;
  tls: NegotiatedTls | null;
  /** The exchanger greeted with something other than 220 (421, 554 …): it will not serve now. */
  refusedGreeting?: string;
  /** STARTTLS was answered 220 and the handshake then failed: why, in words. */
  handshake?: string;
}

/**
 * Bounds on one domain's part of an attempt, as Postfix's smtp_mx_address_limit (5) and
 * smtp_mx_session_limit (2): a domain listing 400 exchangers costs at most this many addresses,
 * sessions and name lookups per attempt; the rest waits for the next attempt (MX order is
 * reshuffled among equal preferences each time). MX_ADDRESS_LIMIT counts the addresses connected
 * to: one refused by the network policy costs nothing, so private exchangers listed first cannot
 * hide a public backup (and turn a deliverable domain into a bounce).
 */
export const MX_ADDRESS_LIMIT = 5;
export const MX_SESSION_LIMIT = 2;
/** Addresses examined per attempt, refused ones included: a name with hundreds of private addresses is still a bounded loop. */
export const MX_ADDRESSES_EXAMINED_LIMIT = 50;
/** Names looked up for addresses per attempt (a SERVFAIL for each of 400 names would otherwise be 800 questions). */
export const MX_HOST_LOOKUP_LIMIT = 10;

/** One message's send: whether the process began to stop since (shed), and whether any part of it reached a connection. */
interface Run {
  stopping: () => string | undefined;
  connected: boolean;
}

/** A session the exchanger greeted with 220 and then ended (421, a failed TLS handshake), not a connection that never got that far. */
function sessionHeld(o: Outcome): boolean {
  const f = o.report.failure;
  return o.refusedGreeting === undefined && f !== undefined && (f.kind === 'tls' || (f.code !== null && f.kind !== 'network' && f.kind !== 'timeout'));
}

const HOST_NAME = /^[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$/;

/**
 * A failure that says nothing about the message, only about this exchanger: try the next one.
 * Any greeting but 220 counts (RFC 5321 §3.1: a 554 greeting says this server will not serve;
 * the client should try another), as Postfix's smtp_skip_5xx_greeting does by default.
 */
function exchangerUnusable(o: Outcome): boolean {
  const { report } = o;
  const f = report.failure;
  if (!f || report.accepted.length || report.rejected.length || report.possibleDuplicate) return false;
  return o.refusedGreeting !== undefined || f.kind === 'network' || f.kind === 'timeout' || f.kind === 'tls' || f.code === 421;
}

/**
 * Direct delivery: Mailroom's own SMTP client delivers each recipient domain's part of a message
 * to that domain's exchanger (MX, else A/AAAA), one transaction per domain, through the same
 * guarded pooled connections (and MIME, DKIM, reply guard) as a relay. Each exchanger address has
 * its own pool, so a busy destination reuses its connections; slots bound the connections per
 * domain and in all. Exchangers are tried in preference order until one answers; a refused
 * connection, a timeout, a greeting other than 220 or a failed TLS handshake passes to the next.
 * Under opportunistic TLS a handshake that fails after STARTTLS's 220 is retried at once at the
 * same address without STARTTLS (RFC 7435: encryption when possible, never a reason to hold mail).
 */
export class DirectTransports {
  private pools = new Map<string, GuardedPool>();
  private readonly pacing: DomainPacing;
  private readonly slots: Slots;
  private maxTotal = 20;
  /** How many times the process began to stop (shed): a send begun before the last one lets go of what waits. */
  private sheds = 0;
  private stopReason = 'not sent: Mailroom was stopping';

  constructor(private readonly deps: DirectDeps) {
    this.pacing = new DomainPacing(deps.now ?? Date.now);
    this.slots = new Slots(() => this.maxTotal);
  }

  /**
   * The process is stopping: transactions waiting for a slot are let go now (their recipients
   * were not sent to), and the attempts under way try no further exchanger. A message nothing of
   * which reached a connection comes back notAttempted: the outbox returns it to the queue as it
   * was. One that did reach one (another domain's part, an earlier exchanger) is recorded, the
   * parts let go deferred. Transactions under way finish.
   */
  shed(reason: string): void {
    this.sheds++;
    this.stopReason = reason;
    this.slots.shed(reason);
  }

  async send(target: SendTarget, out: Composable): Promise<AttemptReport> {
    const smtp = target.server.smtp;
    this.maxTotal = smtp.maxConnections;
    const epoch = this.sheds;
    const run: Run = { stopping: () => (this.sheds !== epoch ? this.stopReason : undefined), connected: false };
    const groups = groupByDomain(out.recipients);
    const dkim = await this.deps.dkim?.(out.message.from.address.split('@').pop() ?? '');
    const results = await Promise.all(groups.map((g) => this.sendDomain(smtp, out, g.domain, g.recipients, dkim, run)));
    const stopped = run.stopping();
    if (stopped !== undefined && !run.connected) return { accepted: [], rejected: [], notAttempted: stopped };
    const byRoute = new Map(results.map((r, i) => [r, groups[i].recipients]));
    return mergeDomainResults(results, (r) => byRoute.get(r) ?? []);
  }

  private async sendDomain(smtp: SmtpSettings, out: Composable, domain: string, recipients: string[], dkim: Parameters<typeof composeMail>[1], run: Run): Promise<DomainResult> {
    const direct = smtp.direct ?? DEFAULT_DIRECT_POLICY;
    const route: AttemptRoute = { domain, recipients, exchanger: null, address: null, port: smtp.port, tls: null, tlsPolicy: 'opportunistic', response: null, skipped: [] };
    const passed = new PassedOver();
    const done = (report: AttemptReport, response: string | null): DomainResult => {
      route.response = response;
      route.skipped = passed.list();
      const deferred = report.accepted.length === 0 && (report.failure ? true : report.rejected.some((r) => r.permanent === false || (r.code !== null && r.code < 500)));
      this.pacing.record(domain, deferred);
      return { report, route };
    };
    /** Deferred by Mailroom itself (too many waiting for the domain, the process stopping): says nothing of the domain. */
    const heldBack = (why: string): DomainResult => {
      route.response = why;
      route.skipped = passed.list();
      return { report: decided(recipients, false, why), route };
    };
    const pace = this.pacing.take(domain, direct.perDomainPerMinute);
    if (!pace.allowed) return { report: decided(recipients, false, pace.reason ?? 'held back'), route: { ...route, response: pace.reason ?? null } };

    const dest = await this.deps.lookup.destination(domain);
    if (!dest.ok) return done(decided(recipients, dest.permanent, dest.reason), dest.reason);
    if (dest.value.kind === 'null-mx') {
      const why = `${domain} publishes a null MX (RFC 7505): it accepts no mail`;
      return done(decided(recipients, true, why), why);
    }
    let tlsPolicy: TlsPolicy = smtp.requireTls || direct.requireTlsDomains.includes(domain) ? 'required' : 'opportunistic';
    const sts = await this.deps.mtaSts?.policyFor(domain);
    if (sts && !sts.ok) return done(decided(recipients, false, sts.reason), sts.reason);
    const enforced = sts?.ok && sts.value?.mode === 'enforce' ? sts.value : undefined;
    if (enforced) tlsPolicy = 'mta-sts';
    route.tlsPolicy = tlsPolicy;

    // Whether every exchanger is out of reach for good: only when each one ended in a refusal by
    // the network policy or a permanent lookup failure (a SERVFAIL elsewhere may hide a usable one).
    let refused = 0;
    let undecided = 0;
    let tried = 0;
    let sessions = 0;
    let lookups = 0;
    let addressesLeft = MX_ADDRESS_LIMIT;
    let examined = 0;
    let last: Outcome | undefined;
    // Exchangers left unjudged may be public ones: a cut-short attempt defers, never fails.
    const cutShort = (what: string) => {
      undecided++;
      passed.add(`${what}: the other exchangers of ${domain} were not tried in this attempt`);
    };
    const addressLimit = () =>
      addressesLeft <= 0
        ? `${MX_ADDRESS_LIMIT} exchanger addresses tried (the limit per attempt)`
        : examined >= MX_ADDRESSES_EXAMINED_LIMIT
          ? `${MX_ADDRESSES_EXAMINED_LIMIT} exchanger addresses examined (the limit per attempt)`
          : undefined;
    hosts: for (const host of dest.value.hosts) {
      // The name is the domain's to choose: one that is not a plain host name goes nowhere (not into TLS, not into the log as is).
      if (!HOST_NAME.test(host)) {
        undecided++;
        passed.add(`an exchanger whose name is not a valid host name (${JSON.stringify(host.slice(0, 100))})`);
        continue;
      }
      if (enforced && !mxAllowedByPolicy(enforced, host)) {
        undecided++;
        passed.add(`${host}: not named by ${domain}'s MTA-STS policy (mx: ${enforced.mx.join(', ').slice(0, 300)})`);
        continue;
      }
      const limit = addressLimit() ?? (lookups >= MX_HOST_LOOKUP_LIMIT ? `${MX_HOST_LOOKUP_LIMIT} exchanger names looked up (the limit per attempt)` : undefined);
      if (limit !== undefined) {
        cutShort(limit);
        break;
      }
      lookups++;
      const addresses = await this.deps.lookup.addresses(host);
      if (!addresses.ok) {
        // No MX and no address either (NODATA, or the name gone): nothing will change that soon (RFC 5321 §5.1).
        if (dest.value.implicit && addresses.permanent) {
          const why = /NXDOMAIN/.test(addresses.reason)
            ? `${domain} does not exist (NXDOMAIN): there is no such mail domain`
            : `${domain} has no MX record and no A or AAAA record: it cannot receive mail (RFC 5321 §5.1)`;
          return done(decided(recipients, true, why), why);
        }
        if (!addresses.permanent) undecided++;
        passed.add(`${host}: ${addresses.reason}`);
        continue;
      }
      for (const address of addresses.value) {
        const limit = addressLimit();
        if (limit !== undefined) {
          cutShort(limit);
          break hosts;
        }
        examined++;
        const verdict = checkExchanger(this.deps.policy, address);
        if (!verdict.allowed) {
          refused++;
          passed.add(`${host} (${address}): a ${verdict.class} address; direct delivery connects to public addresses only unless MAILROOM_ALLOW_PRIVATE_HOSTS lists it`);
          this.deps.logger.warn({ domain, exchanger: host, address, class: verdict.class }, 'direct delivery refused an exchanger address (network policy)');
          continue;
        }
        // Postfix's smtp_mx_address_limit counts connection attempts: a refused address above cost none.
        addressesLeft--;
        const stopping = run.stopping();
        if (stopping !== undefined) return heldBack(last ? `${stopping}; ${passed.summary()}` : stopping);
        const slot = await this.slots.take(domain, direct.maxConnectionsPerDomain);
        if ('refused' in slot) return heldBack(last ? `${slot.reason}; ${passed.summary()}` : slot.reason);
        tried++;
        run.connected = true;
        let result: Outcome;
        let withoutTls: string | undefined;
        try {
          result = await this.transact({ host, address, port: smtp.port, tlsPolicy }, smtp, out, recipients, dkim);
          if (result.handshake && tlsPolicy === 'opportunistic') {
            // Opportunistic TLS: the handshake failing is no reason to hold the message (RFC 7435), as Postfix's "may" level retries in clear.
            withoutTls = result.handshake;
            passed.add(`${host} (${address}) with STARTTLS: the TLS handshake failed after "220": ${result.handshake}; retried at once on a new connection without TLS (opportunistic TLS)`);
            this.deps.logger.warn({ domain, exchanger: host, address, reason: result.handshake }, 'direct delivery: STARTTLS handshake failed; retrying without TLS');
            result = await this.transact({ host, address, port: smtp.port, tlsPolicy, plain: true }, smtp, out, recipients, dkim);
          }
        } finally {
          slot.release();
        }
        const { report, tls } = result;
        if (exchangerUnusable(result)) {
          passed.add(`${host} (${address})${withoutTls ? ' without TLS' : ''}: ${result.refusedGreeting ?? report.failure?.message ?? 'unusable'}`);
          last = result;
          // Postfix's smtp_mx_session_limit: sessions that got past the greeting count, connections that never did do not.
          if (withoutTls !== undefined || sessionHeld(result)) sessions++;
          if (sessions >= MX_SESSION_LIMIT) {
            cutShort(`${MX_SESSION_LIMIT} sessions passed over (the limit per attempt)`);
            break hosts;
          }
          continue;
        }
        Object.assign(route, { exchanger: host, address, tls });
        const tlsText = tls ? `${tls.protocol} ${tls.cipher}${tls.verified ? ' verified' : ' unverified'}` : withoutTls ? `none (STARTTLS handshake failed: ${withoutTls}; sent without TLS)` : 'none';
        this.deps.logger.info({ domain, exchanger: host, address, port: smtp.port, tls: tlsText, tlsPolicy, messageId: out.message.id }, 'direct delivery transaction');
        return done(report, report.failure?.message ?? report.response ?? report.rejected[0]?.response ?? null);
      }
    }
    if (tried === 0 && refused > 0 && undecided === 0) {
      const why = `every exchanger of ${domain} resolves to an address direct delivery may not reach (${passed.summary()})`;
      return done(decided(recipients, true, why), why);
    }
    if (last) {
      // Every exchanger was passed over. A refused greeting (even 5xx) speaks for that server now, not for the message: wait and retry.
      if (last.refusedGreeting !== undefined) {
        const why = `no exchanger of ${domain} would take mail now: ${passed.summary()}; retrying later`;
        return done(decided(recipients, false, why), why);
      }
      return done(last.report, passed.summary());
    }
    const why = `no exchanger of ${domain} could be reached: ${passed.summary() || 'none listed'}`;
    return done(decided(recipients, false, why), why);
  }

  private async transact(x: Exchanger, smtp: SmtpSettings, out: Composable, recipients: string[], dkim: Parameters<typeof composeMail>[1]): Promise<Outcome> {
    const pool = this.pool(x, smtp);
    try {
      const info = await pool.send(composeMail({ message: out.message, recipients }, dkim));
      return { report: reportFromInfo(info), tls: info.tls };
    } catch (err) {
      const where = { host: x.host, port: x.port, security: 'starttls' as const };
      const failure = (err instanceof Error ? err : new Error(String(err))) as SmtpFailure;
      // nodemailer's "Invalid greeting" carries the reply and the pseudo-command CONN.
      const greeting = failure.command === 'CONN' && typeof failure.responseCode === 'number' && !failure.protocolViolation && !failure.possibleDuplicate && failure.response ? failure.response.replace(/\s+/g, ' ').trim() : undefined;
      const refusedGreeting = greeting ? `greeted with "${greeting.slice(0, 300)}" instead of 220: it does not serve now (RFC 5321 §3.1)` : undefined;
      const readable = handshakeFailure(failure);
      // OpenSSL's own text ("C0A6…:error:0A000410:SSL routines:…") gives way to its reason in words.
      if (readable) failure.message = `the TLS handshake after STARTTLS failed: ${readable}`;
      const handshake = !x.plain && failedAfterStarttls(failure, readable) ? (readable ?? failure.message) : undefined;
      // The TLS the session ran over when it failed (a refused transaction over STARTTLS), null when it never had any.
      const outcome = (report: AttemptReport): Outcome => ({ report, tls: failure.tls ?? null, ...(refusedGreeting ? { refusedGreeting } : {}), ...(handshake ? { handshake } : {}) });
      if (x.tlsPolicy === 'opportunistic') return outcome(reportFromError(failure, undefined, where));
      const required = `TLS is required for this domain (${x.tlsPolicy === 'mta-sts' ? 'its MTA-STS policy enforces it' : 'smtp.requireTls, or smtp.direct.requireTlsDomains lists it'})`;
      // The relay's words for a server without STARTTLS (another port, security "none") are settings a
      // direct server refuses: say what holds the recipients back instead.
      if (failure.explanation) failure.explanation = `${required} and ${x.host} does not offer STARTTLS: the recipients wait rather than travel in clear`;
      if (readable) failure.message = readable;
      const lacked = readable ? `the TLS handshake with ${x.host} failed` : `${x.host} did not provide it with a valid certificate`;
      const report = reportFromError(failure, `${required} and ${lacked}`, where);
      // The generic advice reads an OpenSSL alert as a refused certificate: say what it is and what can be done.
      if (readable && report.failure) {
        report.failure.hint =
          x.tlsPolicy === 'mta-sts'
            ? `${x.host} could not complete a TLS handshake (${readable}). The domain's MTA-STS policy requires TLS, so the recipients wait; only the domain's admin can fix the exchanger.`
            : `${x.host} could not complete a TLS handshake (${readable}). TLS is required for this domain, so the recipients wait; to let its mail go in clear, take the domain out of smtp.direct.requireTlsDomains (or turn smtp.requireTls off).`;
      }
      return outcome(report);
    }
  }

  /** One pool per exchanger address, port and TLS rule (connections are reused across messages). */
  private pool(x: Exchanger, smtp: SmtpSettings): GuardedPool {
    const verify = x.tlsPolicy !== 'opportunistic';
    const { maxConnectionsPerDomain: perDomain, ehloName } = { ...DEFAULT_DIRECT_POLICY, ...smtp.direct };
    const key = `${x.address}|${x.port}|${x.host}|${verify}|${x.plain ? 'plain' : 'starttls'}|${smtp.connectTimeoutSec}|${smtp.sendTimeoutSec}|${perDomain}|${ehloName ?? ''}`;
    let pool = this.pools.get(key);
    if (pool) return pool;
    const connectMs = smtp.connectTimeoutSec * 1000;
    const sendMs = smtp.sendTimeoutSec * 1000;
    pool = new GuardedPool({
      connection: {
        host: x.address,
        port: x.port,
        secure: false,
        // Opportunistic: STARTTLS whenever offered, any certificate (RFC 7435); a refused STARTTLS goes on in plain text on
        // the same connection, a failed handshake on a new one without STARTTLS (sendDomain).
        // Required (admin policy or MTA-STS enforce): STARTTLS with a certificate valid for the exchanger's name, or no session.
        requireTLS: verify,
        opportunisticTLS: !verify && !x.plain,
        // The retry after a failed handshake: no STARTTLS at all (opportunistic only).
        ...(x.plain && !verify ? { ignoreTLS: true } : {}),
        servername: x.host,
        // Absent: nodemailer greets with os.hostname() (or an address literal when that is not qualified).
        ...(ehloName ? { name: ehloName } : {}),
        connectionTimeout: connectMs,
        greetingTimeout: connectMs,
        socketTimeout: Math.max(connectMs, sendMs) + 120_000,
        tls: {
          servername: x.host,
          rejectUnauthorized: verify,
          ...(verify ? { minVersion: 'TLSv1.2' as const } : {}),
          ...(this.deps.extraCa?.length ? { ca: [...rootCertificates, ...this.deps.extraCa] } : {}),
        },
        logger: false,
        debug: false,
      },
      maxConnections: perDomain,
      connectTimeoutMs: connectMs,
      sendTimeoutMs: sendMs,
    });
    if (this.pools.size >= 5_000) void this.closeAll();
    this.pools.set(key, pool);
    return pool;
  }

  private async closeAll(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    for (const p of all) p.close();
  }

  close(): Promise<void> {
    return this.closeAll();
  }
}
