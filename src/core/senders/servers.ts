import { X509Certificate } from 'node:crypto';
import { invalid } from '../kernel/errors.js';
import { arr, bool, doc, hostname, int, oneOf, onlyKeys, optStr, str, type Doc } from '../kernel/validate.js';

export const SMTP_SECURITY = ['starttls', 'tls', 'none'] as const;
export type SmtpSecurity = (typeof SMTP_SECURITY)[number];
export const TLS_TRUST = ['system', 'pinned', 'any'] as const;
export type TlsTrustMode = (typeof TLS_TRUST)[number];
export const IMAP_SECURITY = ['tls', 'starttls', 'none'] as const;
export type ImapSecurity = (typeof IMAP_SECURITY)[number];

export interface TlsTrust {
  mode: TlsTrustMode;
  /** PEM of the certificate to pin (mode "pinned"). */
  certificate?: string;
  /** SHA-256 fingerprint to pin, hex, colons optional (mode "pinned"). */
  fingerprint?: string;
}

export interface SmtpSettings {
  host: string;
  port: number;
  security: SmtpSecurity;
  /** Refuse to send unless the session is encrypted (always true for tls; STARTTLS must succeed). */
  requireTls: boolean;
  tlsTrust: TlsTrust;
  connectTimeoutSec: number;
  sendTimeoutSec: number;
  maxConnections: number;
}

export interface ImapSettings {
  host: string;
  port: number;
  security: ImapSecurity;
}

export interface RetryPolicy {
  backoffSec: number[];
  intervalSec: number;
  expireAfterSec: number;
}

export interface RateLimit {
  perMinute?: number;
  perHour?: number;
  perDay?: number;
}

/** The part of a server an admin edits. */
export interface ServerConfig {
  name: string;
  smtp: SmtpSettings;
  imap: ImapSettings | null;
  retry: RetryPolicy;
  rateLimit: RateLimit | null;
}

export interface MailServer extends ServerConfig {
  id: string;
  source: 'database' | 'env';
  overridden: string[];
  createdAt: number;
  updatedAt: number;
  version: number;
}

export const DEFAULT_RETRY: RetryPolicy = { backoffSec: [5, 30, 300], intervalSec: 900, expireAfterSec: 259_200 };
export const DEFAULT_TIMEOUT_SEC = 30;

function defaultPort(security: SmtpSecurity): number {
  return security === 'tls' ? 465 : security === 'none' ? 25 : 587;
}

/** Port 465 means implicit TLS by convention; everything else starts in plain text and upgrades. */
function defaultSecurity(port: number | undefined): SmtpSecurity {
  return port === 465 ? 'tls' : 'starttls';
}

function parsesAsCertificate(pem: string): boolean {
  try {
    new X509Certificate(pem);
    return true;
  } catch {
    return false;
  }
}

const FINGERPRINT = /^([0-9a-f]{2}:?){31}[0-9a-f]{2}$/i;

export function normalizeFingerprint(fp: string): string {
  return fp.replace(/:/g, '').toUpperCase().replace(/(..)(?!$)/g, '$1:');
}

function tlsTrust(field: string, v: unknown): TlsTrust {
  if (v === undefined) return { mode: 'system' };
  const d = doc(field, v);
  onlyKeys(field, d, ['mode', 'certificate', 'fingerprint']);
  const mode = oneOf(`${field}.mode`, d.mode ?? 'system', TLS_TRUST);
  if (mode !== 'pinned') {
    if (d.certificate || d.fingerprint) throw invalid(field, 'certificate and fingerprint apply only to mode "pinned"');
    return { mode };
  }
  const certificate = optStr(`${field}.certificate`, d.certificate, { max: 20_000 });
  const fingerprint = optStr(`${field}.fingerprint`, d.fingerprint, { max: 200 });
  if (!certificate && !fingerprint) throw invalid(field, 'mode "pinned" needs a certificate (PEM) or a SHA-256 fingerprint');
  if (certificate && !/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(certificate)) {
    throw invalid(`${field}.certificate`, 'must be a PEM certificate (-----BEGIN CERTIFICATE----- …)');
  }
  // The markers alone are not a certificate: one that cannot be parsed would only fail at send time.
  if (certificate && !parsesAsCertificate(certificate)) throw invalid(`${field}.certificate`, 'is not a readable X.509 certificate (PEM); paste the whole certificate');
  if (fingerprint && !FINGERPRINT.test(fingerprint.trim())) {
    throw invalid(`${field}.fingerprint`, 'must be a SHA-256 fingerprint: 64 hex digits, colons optional');
  }
  return { mode, ...(certificate ? { certificate } : {}), ...(fingerprint ? { fingerprint: normalizeFingerprint(fingerprint.trim()) } : {}) };
}

function smtpSettings(v: unknown, prev?: SmtpSettings): SmtpSettings {
  const d = doc('smtp', v);
  onlyKeys('smtp', d, ['host', 'port', 'security', 'requireTls', 'tlsTrust', 'connectTimeoutSec', 'sendTimeoutSec', 'maxConnections']);
  const merged: Doc = { ...(prev ?? {}), ...d };
  const host = hostname('smtp.host', merged.host);
  const port0 = merged.port === undefined ? undefined : int('smtp.port', merged.port, 1, 65535);
  const security = merged.security === undefined ? defaultSecurity(port0) : oneOf('smtp.security', merged.security, SMTP_SECURITY);
  const port = port0 ?? defaultPort(security);
  const requireTls = merged.requireTls === undefined ? security !== 'none' : bool('smtp.requireTls', merged.requireTls);
  if (security === 'none' && requireTls) throw invalid('smtp.requireTls', 'cannot be true with security "none"; choose "starttls" or "tls"');
  return {
    host,
    port,
    security,
    requireTls,
    tlsTrust: tlsTrust('smtp.tlsTrust', merged.tlsTrust),
    connectTimeoutSec: merged.connectTimeoutSec === undefined ? DEFAULT_TIMEOUT_SEC : int('smtp.connectTimeoutSec', merged.connectTimeoutSec, 1, 300),
    sendTimeoutSec: merged.sendTimeoutSec === undefined ? DEFAULT_TIMEOUT_SEC : int('smtp.sendTimeoutSec', merged.sendTimeoutSec, 1, 300),
    maxConnections: merged.maxConnections === undefined ? 5 : int('smtp.maxConnections', merged.maxConnections, 1, 100),
  };
}

function imapSettings(v: unknown): ImapSettings | null {
  if (v === undefined || v === null) return null;
  const d = doc('imap', v);
  onlyKeys('imap', d, ['host', 'port', 'security']);
  const security = d.security === undefined ? (d.port === 143 ? 'starttls' : 'tls') : oneOf('imap.security', d.security, IMAP_SECURITY);
  const port = d.port === undefined ? (security === 'tls' ? 993 : 143) : int('imap.port', d.port, 1, 65535);
  return { host: hostname('imap.host', d.host), port, security };
}

function retryPolicy(v: unknown): RetryPolicy {
  if (v === undefined) return { ...DEFAULT_RETRY, backoffSec: [...DEFAULT_RETRY.backoffSec] };
  const d = doc('retry', v);
  onlyKeys('retry', d, ['backoffSec', 'intervalSec', 'expireAfterSec']);
  const backoffSec = d.backoffSec === undefined ? [...DEFAULT_RETRY.backoffSec] : arr('retry.backoffSec', d.backoffSec, 20).map((s, i) => int(`retry.backoffSec[${i}]`, s, 1, 86_400));
  return {
    backoffSec,
    intervalSec: d.intervalSec === undefined ? DEFAULT_RETRY.intervalSec : int('retry.intervalSec', d.intervalSec, 1, 86_400),
    expireAfterSec: d.expireAfterSec === undefined ? DEFAULT_RETRY.expireAfterSec : int('retry.expireAfterSec', d.expireAfterSec, 60, 30 * 86_400),
  };
}

export function rateLimit(field: string, v: unknown): RateLimit | null {
  if (v === undefined || v === null) return null;
  const d = doc(field, v);
  onlyKeys(field, d, ['perMinute', 'perHour', 'perDay']);
  const out: RateLimit = {};
  for (const k of ['perMinute', 'perHour', 'perDay'] as const) {
    if (d[k] !== undefined && d[k] !== null) out[k] = int(`${field}.${k}`, d[k], 1, 10_000_000);
  }
  return Object.keys(out).length ? out : null;
}

export const SERVER_FIELDS = ['name', 'smtp', 'imap', 'retry', 'rateLimit'] as const;

/**
 * Validates a server as created (no `prev`) or patched (`prev` = the stored config; given
 * fields replace stored ones, `smtp` is merged field by field).
 */
export function normalizeServerConfig(input: unknown, prev?: ServerConfig): ServerConfig {
  const d = doc('server', input);
  onlyKeys('server', d, [...SERVER_FIELDS, 'version']);
  if (!prev && d.smtp === undefined) throw invalid('smtp', 'is required (at least smtp.host)');
  return {
    name: d.name === undefined && prev ? prev.name : str('name', d.name, { max: 200 }).trim(),
    smtp: d.smtp === undefined && prev ? prev.smtp : smtpSettings(d.smtp, prev?.smtp),
    imap: d.imap === undefined && prev ? prev.imap : imapSettings(d.imap),
    retry: d.retry === undefined && prev ? prev.retry : retryPolicy(d.retry),
    rateLimit: d.rateLimit === undefined && prev ? prev.rateLimit : rateLimit('rateLimit', d.rateLimit),
  };
}

/**
 * Re-pointing a server somewhere else must not carry the stored password along (credential
 * harvesting): a change of host, port or security clears the passwords of its accounts.
 */
export function serverChangeClearsPasswords(before: SmtpSettings, after: SmtpSettings): boolean {
  return before.host !== after.host || before.port !== after.port || before.security !== after.security;
}

