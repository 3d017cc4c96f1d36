import { X509Certificate } from 'node:crypto';
import { domainToASCII } from 'node:url';
import { invalid } from '../kernel/errors.js';
import { parseIp } from '../probes/network-policy.js';
import { arr, bool, doc, hostname, int, oneOf, onlyKeys, optStr, str, type Doc, label } from '../kernel/validate.js';

export const SMTP_MODES = ['relay', 'direct'] as const;
/** relay: one configured SMTP server takes every message; direct: each recipient domain's MX. */
export type SmtpMode = (typeof SMTP_MODES)[number];
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
  /** Absent on rows stored before direct delivery existed: read as "relay". */
  mode?: SmtpMode;
  /** The relay's host; empty for a direct server (each recipient domain's exchanger is looked up). */
  host: string;
  port: number;
  security: SmtpSecurity;
  /** Refuse to send unless the session is encrypted (always true for tls; STARTTLS must succeed). */
  requireTls: boolean;
  tlsTrust: TlsTrust;
  connectTimeoutSec: number;
  sendTimeoutSec: number;
  maxConnections: number;
  /** Direct servers only: how each destination domain is treated. */
  direct?: DirectPolicy;
}

/** The per-destination rules of a direct server (the big mailbox providers throttle per sender). */
export interface DirectPolicy {
  /** Recipient domains whose exchangers must offer STARTTLS with a certificate valid for their name. */
  requireTlsDomains: string[];
  /** SMTP connections open at once to one destination domain. */
  maxConnectionsPerDomain: number;
  /** Messages per minute to one destination domain; null for no limit. */
  perDomainPerMinute: number | null;
  /** The name Mailroom greets exchangers with (EHLO); null: this machine's host name (os.hostname()). */
  ehloName: string | null;
  /**
   * The IPv4/IPv6 addresses exchangers see Mailroom connect from (NAT hides them from Mailroom).
   * Only the setup status reads them, to check each sender domain's SPF covers them.
   */
  publicAddresses: string[];
}

export const DIRECT_PORT = 25;
export const DEFAULT_DIRECT_POLICY: DirectPolicy = { requireTlsDomains: [], maxConnectionsPerDomain: 2, perDomainPerMinute: null, ehloName: null, publicAddresses: [] };

export function isDirect(smtp: Pick<SmtpSettings, 'mode'>): boolean {
  return smtp.mode === 'direct';
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

const timeouts = (merged: Doc) => ({
  connectTimeoutSec: merged.connectTimeoutSec === undefined ? DEFAULT_TIMEOUT_SEC : int('smtp.connectTimeoutSec', merged.connectTimeoutSec, 1, 300),
  sendTimeoutSec: merged.sendTimeoutSec === undefined ? DEFAULT_TIMEOUT_SEC : int('smtp.sendTimeoutSec', merged.sendTimeoutSec, 1, 300),
});

/**
 * A recipient domain as direct delivery compares it: lower case, without the final dot, a
 * Unicode name in punycode (as recipients' addresses are stored). An address literal is no
 * domain: direct delivery never sees one as a recipient's domain, so listing it would do nothing.
 */
function recipientDomain(field: string, v: unknown): string {
  const raw = str(field, v, { max: 253 }).trim().toLowerCase().replace(/\.$/, '');
  if (/^\[.*\]$/.test(raw) || raw.includes(':') || /^[0-9.]+$/.test(raw)) throw invalid(field, `"${raw}" is an address, not a domain`);
  const ascii = /^[ -~]*$/.test(raw) ? raw : domainToASCII(raw);
  if (!ascii) throw invalid(field, `"${raw}" is not a domain name`);
  return hostname(field, ascii).replace(/\.$/, '');
}

function directPolicy(v: unknown): DirectPolicy {
  if (v === undefined || v === null) return { ...DEFAULT_DIRECT_POLICY, requireTlsDomains: [], publicAddresses: [] };
  const d = doc('smtp.direct', v);
  onlyKeys('smtp.direct', d, ['requireTlsDomains', 'maxConnectionsPerDomain', 'perDomainPerMinute', 'ehloName', 'publicAddresses']);
  const domains = d.requireTlsDomains === undefined ? [] : arr('smtp.direct.requireTlsDomains', d.requireTlsDomains, 500).map((x, i) => recipientDomain(`smtp.direct.requireTlsDomains[${i}]`, x));
  return {
    requireTlsDomains: [...new Set(domains)],
    maxConnectionsPerDomain: d.maxConnectionsPerDomain === undefined ? DEFAULT_DIRECT_POLICY.maxConnectionsPerDomain : int('smtp.direct.maxConnectionsPerDomain', d.maxConnectionsPerDomain, 1, 50),
    perDomainPerMinute: d.perDomainPerMinute === undefined || d.perDomainPerMinute === null ? null : int('smtp.direct.perDomainPerMinute', d.perDomainPerMinute, 1, 100_000),
    ehloName: d.ehloName === undefined || d.ehloName === null || d.ehloName === '' ? null : ehloName('smtp.direct.ehloName', d.ehloName),
    publicAddresses: d.publicAddresses === undefined ? [] : publicAddresses('smtp.direct.publicAddresses', d.publicAddresses),
  };
}

/**
 * RFC 5321 §4.1.1.1: EHLO gives the client's fully qualified domain name. Exchangers compare
 * it with the reverse DNS of the connecting address, so a bare label or an address is refused.
 */
export function ehloName(field: string, v: unknown): string {
  const h = str(field, v, { max: 253 }).trim().toLowerCase().replace(/\.$/, '');
  if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/.test(h)) {
    throw invalid(field, `"${h}" is not a fully qualified host name (letters, digits and hyphens in dot-separated labels, e.g. "mail.example.com")`);
  }
  return h;
}

export function publicAddresses(field: string, v: unknown): string[] {
  const out = arr(field, v, 50).map((x, i) => {
    const ip = str(`${field}[${i}]`, x, { max: 45 }).trim().toLowerCase();
    if (!/^[0-9a-f:.]+$/.test(ip) || !parseIp(ip)) throw invalid(`${field}[${i}]`, `"${ip}" is not an IPv4 or IPv6 address`);
    return ip;
  });
  return [...new Set(out)];
}

/**
 * A direct server: no host (every recipient domain's MX is looked up), port 25 unless the
 * network redirects it, STARTTLS whenever the exchanger offers it. What a relay needs and a
 * direct server cannot use (a host, implicit TLS, a pinned certificate) is refused, not ignored.
 */
function directSettings(merged: Doc): SmtpSettings {
  if (merged.host !== undefined && merged.host !== null && merged.host !== '') {
    throw invalid('smtp.host', 'a direct server has no host: each recipient domain\'s mail exchanger (MX) is looked up; remove the host or use mode "relay"');
  }
  if (merged.security !== undefined && merged.security !== 'starttls') {
    throw invalid('smtp.security', 'a direct server always uses STARTTLS when the exchanger offers it ("starttls"); require TLS with smtp.requireTls or smtp.direct.requireTlsDomains');
  }
  if (merged.tlsTrust !== undefined && (doc('smtp.tlsTrust', merged.tlsTrust).mode ?? 'system') !== 'system') {
    throw invalid('smtp.tlsTrust', 'a direct server checks certificates against the system CAs (when TLS is required or an MTA-STS policy enforces it); a pinned or "any" trust applies to one relay only');
  }
  return {
    mode: 'direct',
    host: '',
    port: merged.port === undefined ? DIRECT_PORT : int('smtp.port', merged.port, 1, 65535),
    security: 'starttls',
    requireTls: merged.requireTls === undefined ? false : bool('smtp.requireTls', merged.requireTls),
    tlsTrust: { mode: 'system' },
    ...timeouts(merged),
    maxConnections: merged.maxConnections === undefined ? 20 : int('smtp.maxConnections', merged.maxConnections, 1, 100),
    direct: directPolicy(merged.direct),
  };
}

function smtpSettings(v: unknown, prev?: SmtpSettings): SmtpSettings {
  const d = doc('smtp', v);
  onlyKeys('smtp', d, ['mode', 'host', 'port', 'security', 'requireTls', 'tlsTrust', 'connectTimeoutSec', 'sendTimeoutSec', 'maxConnections', 'direct']);
  const mode = d.mode === undefined ? (prev?.mode ?? 'relay') : oneOf('smtp.mode', d.mode, SMTP_MODES);
  // A change of mode starts from the given fields: a relay's host or pin means nothing to a direct server.
  const base = prev && (prev.mode ?? 'relay') === mode ? prev : {};
  const merged: Doc = { ...base, ...d };
  if (mode === 'direct') return directSettings(merged);
  if (merged.direct !== undefined) throw invalid('smtp.direct', 'applies to mode "direct" only');
  const host = hostname('smtp.host', merged.host);
  const port0 = merged.port === undefined ? undefined : int('smtp.port', merged.port, 1, 65535);
  const security = merged.security === undefined ? defaultSecurity(port0) : oneOf('smtp.security', merged.security, SMTP_SECURITY);
  const port = port0 ?? defaultPort(security);
  const requireTls = merged.requireTls === undefined ? security !== 'none' : bool('smtp.requireTls', merged.requireTls);
  if (security === 'none' && requireTls) throw invalid('smtp.requireTls', 'cannot be true with security "none"; choose "starttls" or "tls"');
  return {
    mode: 'relay',
    host,
    port,
    security,
    requireTls,
    tlsTrust: tlsTrust('smtp.tlsTrust', merged.tlsTrust),
    ...timeouts(merged),
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
  if (!prev && d.smtp === undefined) throw invalid('smtp', 'is required (at least smtp.host, or smtp.mode "direct")');
  return {
    name: d.name === undefined && prev ? prev.name : label('name', d.name),
    smtp: d.smtp === undefined && prev ? prev.smtp : smtpSettings(d.smtp, prev?.smtp),
    imap: d.imap === undefined && prev ? prev.imap : imapSettings(d.imap),
    retry: d.retry === undefined && prev ? prev.retry : retryPolicy(d.retry),
    rateLimit: d.rateLimit === undefined && prev ? prev.rateLimit : rateLimit('rateLimit', d.rateLimit),
  };
}

/** An endpoint a password is sent to: SMTP's (with its mode) or the IMAP section's. */
type PasswordEndpoint = { host?: string; port: number; security: string; mode?: string };

/** Whether `after` is another endpoint than `before`: a password saved for one is not for the other. */
export function endpointMoved(before: PasswordEndpoint, after: PasswordEndpoint): boolean {
  return (before.mode ?? 'relay') !== (after.mode ?? 'relay') || before.host !== after.host || before.port !== after.port || before.security !== after.security;
}

/**
 * Re-pointing a server somewhere else must not carry the stored password along (credential
 * harvesting): the accounts' passwords go to the SMTP endpoint and to the IMAP section's, so a
 * change of either one's host, port or security (SMTP's mode too) clears them, and so does an
 * IMAP section added on another host than SMTP's (the passwords were saved for SMTP's). An IMAP
 * section added on the SMTP host, or removed, keeps them.
 */
export function serverChangeClearsPasswords(before: Pick<ServerConfig, 'smtp' | 'imap'>, after: Pick<ServerConfig, 'smtp' | 'imap'>): boolean {
  if (endpointMoved(before.smtp, after.smtp)) return true;
  if (!after.imap) return false;
  if (!before.imap) return after.imap.host.toLowerCase() !== (after.smtp.host ?? '').toLowerCase();
  return endpointMoved(before.imap, after.imap);
}

