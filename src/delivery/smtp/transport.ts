import { isIP } from 'node:net';
import { createHash, X509Certificate } from 'node:crypto';
import { type ConnectionOptions, type PeerCertificate } from 'node:tls';
import { effectiveLogin } from '../../core/senders/accounts.js';
import type { StoredAccount } from '../../core/senders/ports.js';
import type { AttemptReport } from '../../core/outbox/retry-policy.js';
import { normalizeFingerprint, type MailServer, type SmtpSettings } from '../../core/senders/servers.js';
import { composeMail, type Composable } from './composed-mail.js';
import { pinMismatch, pinnedAnchors } from './tls-trust.js';
import { GuardedPool, NOT_SENT, type GuardedPoolOptions } from './pool.js';
import type { DkimSigner } from '../dkim-signer.js';
import { reportFromError, reportFromInfo } from './smtp-errors.js';
import { targetKey } from './thread-protocol.js';
import type { SecretLease } from '../../secrets/resolver.js';
import { configFailure } from '../config-failure.js';
import type { SecretInput } from '../../core/kernel/redact-secrets.js';

export interface SendTarget {
  account: StoredAccount;
  server: MailServer;
}

/** The one log line the transports write (a pino logger, or the SMTP thread's relay to one). */
export interface WarnLogger {
  warn(obj: object, msg: string): void;
}

/** Resolves the account's SMTP password (stored secret or reference) with when to ask again; undefined when it has none. */
export type PasswordSource = (account: StoredAccount, opts?: { fresh?: boolean }) => Promise<SecretLease | undefined>;

function pinnedFingerprint(smtp: SmtpSettings): string | undefined {
  const t = smtp.tlsTrust;
  if (t.fingerprint) return normalizeFingerprint(t.fingerprint);
  if (t.certificate) return new X509Certificate(t.certificate).fingerprint256;
  return undefined;
}

/**
 * TLS settings from the server's trust mode. "pinned": the peer's certificate must be the
 * pinned one, checked in checkServerIdentity against its SHA-256 fingerprint (which replaces
 * the host-name check); a pinned PEM is also a trust anchor, so that a self-signed certificate,
 * or the server's own certificate from a private CA, passes the chain check (pinnedAnchors)
 * and is then compared right after. A pinned fingerprint alone needs a certificate that chains
 * to a system CA.
 */
export function tlsOptions(smtp: SmtpSettings): ConnectionOptions {
  const base: ConnectionOptions = { minVersion: 'TLSv1.2', ...(isIP(smtp.host) ? {} : { servername: smtp.host }) };
  const t = smtp.tlsTrust;
  if (t.mode === 'any') return { ...base, rejectUnauthorized: false };
  if (t.mode === 'system') return { ...base, rejectUnauthorized: true };
  const pinned = pinnedFingerprint(smtp);
  return {
    ...base,
    rejectUnauthorized: true,
    ...pinnedAnchors(t),
    checkServerIdentity: (_host: string, cert: PeerCertificate) => (cert.fingerprint256 === pinned ? undefined : pinMismatch(t, pinned, cert)),
  };
}

/**
 * Pool options for one account on one server. Exported for tests and diagnostics. The connect
 * and send timeouts bound each phase's total time (GuardedConnection): 30 s to connect + 30 s
 * to send = at most 60 s for an attempt on a new connection, however slowly the server trickles.
 */
export function poolOptions(target: SendTarget, password: string | undefined): GuardedPoolOptions {
  const smtp = target.server.smtp;
  // Never AUTH in plain text. On a plain internal relay (security "none") an account's password
  // is its IMAP login only (allowed when the server's IMAP section is encrypted): SMTP sends
  // without AUTH, as such relays expect.
  const credentials = password !== undefined && password !== '' && smtp.security !== 'none';
  const connectMs = smtp.connectTimeoutSec * 1000;
  const sendMs = smtp.sendTimeoutSec * 1000;
  return {
    connection: {
      host: smtp.host,
      port: smtp.port,
      secure: smtp.security === 'tls',
      ignoreTLS: smtp.security === 'none',
      // With credentials, TLS before AUTH or no session at all (no STARTTLS-stripping fallback).
      requireTLS: smtp.security === 'starttls' && (credentials || smtp.requireTls),
      // nodemailer's own bounds for DNS, TCP, the greeting and the TLS handshake; the guard bounds the rest.
      connectionTimeout: connectMs,
      greetingTimeout: connectMs,
      dnsTimeout: connectMs,
      // Per-byte inactivity only as a backstop: the phases have total deadlines, idle connections QUIT first.
      socketTimeout: Math.max(connectMs, sendMs) + 120_000,
      tls: tlsOptions(smtp),
      logger: false,
      debug: false,
    },
    // OAuth2 accounts log in with SASL XOAUTH2 and the access token Mailroom fetched (nodemailer never fetches it itself here).
    ...(credentials ? { auth: target.account.auth?.type === 'oauth2' ? { user: effectiveLogin(target.account), accessToken: password } : { user: effectiveLogin(target.account), pass: password } } : {}),
    maxConnections: smtp.maxConnections,
    connectTimeoutMs: connectMs,
    sendTimeoutMs: sendMs,
  };
}

interface Entry {
  key: string;
  transport: Promise<GuardedPool>;
  /** The password the pool logs in with and when its reference should be read again. */
  lease: Promise<SecretLease | undefined>;
  inFlight: number;
  retired: boolean;
  hint?: string;
}

/**
 * One guarded SMTP pool per account, reused across messages, rebuilt when the
 * account or its server changes (their versions are the cache key). A replaced pool is
 * closed once its in-flight messages are done.
 */
export class SmtpTransports {
  private entries = new Map<string, Entry>();

  constructor(private readonly deps: { password: PasswordSource; logger: WarnLogger; dkim?: DkimSigner }) {}

  private entryFor(target: SendTarget, given?: Promise<SecretLease | undefined>): Entry {
    const key = targetKey(target);
    const current = this.entries.get(target.account.id);
    if (current && current.key === key && !given) return current;
    if (current) this.retire(current);
    const smtp = target.server.smtp;
    // SMTP security "none" never sends AUTH (poolOptions): a password there is the IMAP login
    // only, and one that cannot be read (an unset variable) must not hold back the mail.
    const lease = given ?? (smtp.security === 'none' ? Promise.resolve(undefined) : this.deps.password(target.account));
    const entry: Entry = {
      key,
      inFlight: 0,
      retired: false,
      lease,
      hint: smtp.tlsTrust.mode === 'pinned' ? `TLS certificate check failed (pinned SHA-256 ${pinnedFingerprint(smtp)})` : `TLS failed (trust: ${smtp.tlsTrust.mode})`,
      transport: (async () => {
        if (smtp.tlsTrust.mode === 'any') {
          this.deps.logger.warn({ serverId: target.server.id, host: smtp.host }, `server "${target.server.name}" trusts ANY TLS certificate: its identity is not verified`);
        }
        const password = (await lease)?.value;
        return new GuardedPool(poolOptions(target, password));
      })(),
    };
    // A failed build (unresolvable secret) is retried at the next attempt, not cached.
    entry.transport.catch(() => {
      if (this.entries.get(target.account.id) === entry) this.entries.delete(target.account.id);
    });
    this.entries.set(target.account.id, entry);
    return entry;
  }

  /**
   * The pool for this target, its password re-read when the reference's lease ran out: the
   * same value keeps the pool, a rotated one replaces it, a failure (provider down and the
   * cached value expired) fails the attempt with the reference's error.
   */
  private async currentEntry(target: SendTarget): Promise<Entry> {
    const entry = this.entryFor(target);
    const lease = await entry.lease.catch(() => undefined);
    if (!lease || lease.checkAfter === null || Date.now() < lease.checkAfter) return entry;
    const next = this.deps.password(target.account);
    const renewed = await next;
    if (renewed?.value === lease.value) {
      entry.lease = next;
      return entry;
    }
    return this.entryFor(target, next);
  }

  private retire(entry: Entry): void {
    entry.retired = true;
    if (entry.inFlight === 0) void entry.transport.then((t) => t.close(), () => undefined);
  }

  async send(target: SendTarget, out: Composable): Promise<AttemptReport> {
    const report = await this.attempt(target, out, () => this.currentEntry(target));
    if (report.failure?.kind !== 'auth' || (!target.account.passwordRef && target.account.auth?.type !== 'oauth2')) return report;
    // The server refused the password (535): the secret may have been rotated at its source, or
    // the token revoked. Read it once more, bypassing the cache, and try again only if it changed.
    const stale = this.entries.get(target.account.id);
    const fresh = this.deps.password(target.account, { fresh: true });
    let renewed: SecretLease | undefined;
    try {
      renewed = await fresh;
    } catch (err) {
      // The source itself now refuses (a revoked refresh token, a deleted secret): that is the cause to fix, and
      // it is transient (deferred), since the admin fixing it should let the message go.
      const why = (err as Error).message;
      return { accepted: [], rejected: [], failure: configFailure(`${why} (after the server refused the login: ${report.failure.message})`, err) };
    }
    const previous = await stale?.lease.catch(() => undefined);
    if (!renewed || renewed.value === previous?.value) return report;
    return this.attempt(target, out, async () => this.entryFor(target, fresh));
  }

  private async attempt(target: SendTarget, out: Composable, pick: () => Promise<Entry>): Promise<AttemptReport> {
    let entry: Entry | undefined;
    // The login this attempt used (password or OAuth2 access token): the server's words never carry it out.
    let secrets: SecretInput[] = [];
    try {
      entry = await pick();
      entry.inFlight++;
      const pool = await entry.transport;
      // Settled: the pool was built from it.
      const login = (await entry.lease.catch(() => undefined))?.value;
      secrets = [{ value: login ?? '', user: effectiveLogin(target.account) }];
      const dkim = await this.deps.dkim?.(out.message.from.address.split('@').pop() ?? '');
      return reportFromInfo(await pool.send(composeMail(out, dkim)), secrets);
    } catch (err) {
      const e = err as { code?: string; message?: string };
      if (e?.code === NOT_SENT) return { accepted: [], rejected: [], notAttempted: e.message ?? 'not sent' };
      if (typeof e?.code === 'string' && e.code.startsWith('MAILROOM_E_')) {
        return { accepted: [], rejected: [], failure: configFailure(e.message ?? String(err), err) };
      }
      const smtp = target.server.smtp;
      return reportFromError(err, entry?.hint, { host: smtp.host, port: smtp.port, security: smtp.security, user: effectiveLogin(target.account) }, secrets);
    } finally {
      if (entry) {
        entry.inFlight--;
        const done = entry;
        if (done.retired && done.inFlight === 0) void done.transport.then((t) => t.close(), () => undefined);
      }
    }
  }

  /**
   * The process is stopping: messages waiting for a connection now come back not attempted
   * (AttemptReport.notAttempted); those being sent finish. (The dispatcher sends none after.)
   */
  shed(reason: string): void {
    for (const e of this.entries.values()) void e.transport.then((t) => t.shed(reason), () => undefined);
  }

  /** How many pools are open (for tests: one per account, not one per message). */
  get size(): number {
    return this.entries.size;
  }

  async close(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => e.transport.then((t) => t.close(), () => undefined)));
  }
}

/** SHA-256 fingerprint of a PEM certificate, in the form servers store ("AB:CD:…"). */
export function fingerprintOfPem(pem: string): string {
  return normalizeFingerprint(createHash('sha256').update(new X509Certificate(pem).raw).digest('hex'));
}
