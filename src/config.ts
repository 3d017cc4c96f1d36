import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { misspelledSettings, SETTING_NAMES } from './config-names.js';
import { ErrorCodes, isMailroomError, MailroomError } from './core/kernel/errors.js';
import { compileNetworkPolicy } from './core/probes/network-policy.js';
import { dnsServersProblem } from './dns-servers.js';
import { postgresTlsProblems } from './postgres-url-tls.js';
import { withoutTrailingLineEnding } from './core/kernel/line-ending.js';

export type MailDriver = 'smtp' | 'log';

/** Everything read from the environment, validated once at start and then frozen. */
export interface MailroomConfig {
  dataDir: string;
  databaseUrl?: string;
  host: string;
  port: number;
  secretKey?: string;
  admin: { email?: string; password?: string };
  mailDriver: MailDriver;
  /** Whether MAILROOM_MAIL_DRIVER was set (settings report its source as env, else default). */
  mailDriverFromEnv: boolean;
  /** Raw MAILROOM_SMTP_* / MAILROOM_MAIL_FROM_* values; the routing layer turns them into a server and account. */
  deploySmtp: Record<string, string>;
  allowPrivateHosts: string[];
  /** DNS servers for the sender-domain check ("ip" or "ip:port"); empty = the system resolver. */
  dnsServers: string[];
  logLevel: string;
  /**
   * Which peers may speak for the client through X-Forwarded-For / -Proto / -Host (a reverse
   * proxy terminating TLS): false (nobody), a hop count, or addresses/CIDRs. Decides the
   * client IP in audit entries and the login throttle, and the session cookie's Secure flag.
   */
  trustProxy: false | number | string[];
  /**
   * PostgreSQL only: where this process LISTENs for other processes' wake-ups (MAILROOM_LISTEN_URL,
   * default DATABASE_URL); null: it does not listen and finds their work by polling.
   */
  listenUrl: string | null;
  /** The outbox dispatcher's idle poll and claim lease (MAILROOM_OUTBOX_POLL_MS, _LEASE_MS); unset: its defaults. */
  outbox: { pollMs?: number; leaseMs?: number };
  /** Workers run in this process (false for an API-only process). */
  runWorkers: boolean;
  /** The SMTP submission relay (MAILROOM_RELAY_*); undefined when MAILROOM_RELAY_PORT is unset. */
  relay?: RelayConfig;
  /** MAILROOM_LOG_FORMAT in lowercase; unset: readable lines on a terminal, JSON otherwise (src/logger.ts). */
  logFormat?: 'json' | 'pretty';
  /** Set MAILROOM_* variables that are no setting but look like one misspelled (config-names.ts): every command warns of each. */
  misspelled?: Misspelling[];
}

/** A set variable that is no setting, and the setting it resembles. */
export interface Misspelling {
  name: string;
  meant: string;
}

/** The set variables that look like a misspelled setting (config-names.ts). */
function misspelledIn(env: NodeJS.ProcessEnv): Misspelling[] {
  return misspelledSettings(env, [...SETTING_NAMES, ...DEPLOY_SMTP_VARS]);
}

/** The warning every command logs for a misspelled variable (names only, never values: a misspelled MAILROOM_SECRETKEY holds a key). */
export function misspellingWarning(m: Misspelling): string {
  return `${m.name} is not a Mailroom setting and is ignored: did you mean ${m.meant}?`;
}

/**
 * Lines that follow a refusal naming a setting whose misspelling is set: it is likely why
 * ("missing MAILROOM_SMTP_HOST" beside a set MAILROOM_SMPT_HOST). Misspellings of settings the
 * refusal does not name are left to the warnings every command logs first.
 */
function misspellingHints(message: string, misspelled: readonly Misspelling[] | undefined): string {
  const named = (misspelled ?? []).filter((m) => new RegExp(`(?<![A-Z_])${m.meant}(?![A-Z_])`).test(message));
  return named.map((m) => `\n  (${m.name} is set: a misspelling of ${m.meant}?)`).join('');
}

/**
 * A MAILROOM_E_CONFIG refusal from after the configuration was read (the deploy-time server's
 * variables, checked while the store opens: "missing MAILROOM_SMTP_HOST"), with the hints the
 * configuration's own refusal carries (misspellingHints); anything else as it is.
 */
export function withMisspellingHints(err: unknown, env: NodeJS.ProcessEnv = process.env): unknown {
  const hints = isMailroomError(err) && err.code === ErrorCodes.CONFIG ? misspellingHints(err.message, misspelledIn(env)) : '';
  if (!hints || (err as Error).message.includes(hints)) return err;
  const e = err as MailroomError;
  return new MailroomError(ErrorCodes.CONFIG, `${e.message}${hints}`, e.details);
}

export interface RelayConfig {
  host: string;
  /** STARTTLS port (0: any free port, for tests). */
  port: number;
  /** Implicit-TLS port (RFC 8314 "submissions"), when set. */
  tlsPort?: number;
  /** A certificate and key from PEM files (validated at start); else a self-signed one in the data dir. */
  tls?: { certFile: string; keyFile: string; cert: string; key: string };
}

export const DEPLOY_SMTP_VARS = [
  'MAILROOM_SMTP_MODE',
  'MAILROOM_SMTP_HOST',
  'MAILROOM_SMTP_PORT',
  'MAILROOM_SMTP_SECURITY',
  'MAILROOM_SMTP_USERNAME',
  'MAILROOM_SMTP_PASSWORD',
  'MAILROOM_SMTP_TIMEOUT',
  'MAILROOM_SMTP_EHLO_NAME',
  'MAILROOM_SMTP_PUBLIC_ADDRESSES',
  'MAILROOM_MAIL_FROM_ADDRESS',
  'MAILROOM_MAIL_FROM_NAME',
] as const;

/**
 * MAILROOM_TRUST_PROXY: unset or "false" → trust nobody; a number → that many proxy hops;
 * otherwise a comma-separated list of proxy addresses or CIDRs ("127.0.0.1,10.0.0.0/8").
 * "true" (trust anybody) is refused on purpose: anyone reaching the port could then choose
 * the IP the audit log records and step around the login throttle.
 */
function parseTrustProxy(raw: string | undefined, problems: string[]): MailroomConfig['trustProxy'] {
  const v = (raw ?? '').trim();
  if (v === '' || v.toLowerCase() === 'false') return false;
  if (v.toLowerCase() === 'true') {
    problems.push('MAILROOM_TRUST_PROXY=true would let any client choose the IP the audit log records and step around the login throttle: give the proxy\'s address or CIDR (e.g. "127.0.0.1") or a hop count');
    return false;
  }
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    if (hops >= 1 && hops <= 10) return hops;
  }
  const list = v.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = list.filter((entry) => {
    const [ip, bits, extra] = entry.split('/');
    if (extra !== undefined || !isIP(ip)) return true;
    // A /0 trusts every address, as "true" would (and Fastify's proxy-addr refuses it at start).
    return bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) >= 1 && Number(bits) <= (isIP(ip) === 4 ? 32 : 128));
  });
  if (!list.length || bad.length) {
    problems.push(`MAILROOM_TRUST_PROXY must be the proxy's addresses or CIDRs (e.g. "127.0.0.1,10.0.0.0/8") or a hop count 1-10, got "${v}"${bad.length && list.length ? ` (not an address or CIDR: ${bad.join(', ')})` : ''}`);
  }
  return list;
}

const RELAY_VARS = ['MAILROOM_RELAY_HOST', 'MAILROOM_RELAY_TLS_PORT', 'MAILROOM_RELAY_TLS_CERT', 'MAILROOM_RELAY_TLS_KEY'] as const;

/** A host name to listen on: dot-separated labels of letters, digits and inner hyphens. */
const HOST_NAME = /^[a-z0-9]([a-z0-9-]{0,62})(\.[a-z0-9]([a-z0-9-]{0,62}))*$/i;

function portNumber(name: string, raw: string, problems: string[]): number {
  const n = /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535) problems.push(`${name} must be a port number (1-65535; 0 picks a free port), got "${raw}"`);
  return n;
}

/** The PEM file a variable names, read now so a wrong path fails the start, not the first client. */
function pemFile(name: string, file: string, problems: string[]): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    problems.push(`${name}=${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return '';
  }
}

/**
 * MAILROOM_RELAY_*: off unless MAILROOM_RELAY_PORT is set. A certificate comes with its key
 * (both PEM files, the key matching the certificate), or neither (a self-signed one is made).
 */
function parseRelay(env: NodeJS.ProcessEnv, httpPort: number, problems: string[]): RelayConfig | undefined {
  const set = (name: string) => (env[name] ?? '').trim() || undefined;
  if (!set('MAILROOM_RELAY_PORT')) {
    const stray = RELAY_VARS.filter((n) => set(n));
    if (stray.length) problems.push(`${stray.join(', ')} ${stray.length > 1 ? 'are' : 'is'} set but MAILROOM_RELAY_PORT is not: set it to turn the SMTP relay on (587 or 2587 are usual), or unset ${stray.length > 1 ? 'them' : 'it'}`);
    return undefined;
  }
  const port = portNumber('MAILROOM_RELAY_PORT', set('MAILROOM_RELAY_PORT')!, problems);
  const tlsRaw = set('MAILROOM_RELAY_TLS_PORT');
  const tlsPort = tlsRaw === undefined ? undefined : portNumber('MAILROOM_RELAY_TLS_PORT', tlsRaw, problems);
  const host = set('MAILROOM_RELAY_HOST') ?? '127.0.0.1';
  if (!isIP(host) && !HOST_NAME.test(host)) problems.push(`MAILROOM_RELAY_HOST must be an IP address or host name to listen on, got "${host}"`);
  for (const [name, p] of [['MAILROOM_RELAY_PORT', port], ['MAILROOM_RELAY_TLS_PORT', tlsPort]] as const) {
    if (p && p === httpPort) problems.push(`${name}=${p} is also MAILROOM_PORT (the HTTP API): give the relay a port of its own`);
  }
  if (port && tlsPort && port === tlsPort) problems.push(`MAILROOM_RELAY_TLS_PORT must differ from MAILROOM_RELAY_PORT (one speaks STARTTLS, the other implicit TLS), both are ${port}`);
  const certFile = set('MAILROOM_RELAY_TLS_CERT');
  const keyFile = set('MAILROOM_RELAY_TLS_KEY');
  if (!certFile !== !keyFile) {
    problems.push(`MAILROOM_RELAY_TLS_CERT and MAILROOM_RELAY_TLS_KEY go together (PEM files of the certificate and its key); only ${certFile ? 'the certificate' : 'the key'} is set`);
    return { host, port, tlsPort };
  }
  if (!certFile || !keyFile) return { host, port, tlsPort };
  const cert = pemFile('MAILROOM_RELAY_TLS_CERT', certFile, problems);
  const key = pemFile('MAILROOM_RELAY_TLS_KEY', keyFile, problems);
  if (cert && key) {
    try {
      const x509 = new X509Certificate(cert);
      if (!x509.checkPrivateKey(createPrivateKey(key))) problems.push(`MAILROOM_RELAY_TLS_KEY=${keyFile} is not the key of the certificate in MAILROOM_RELAY_TLS_CERT=${certFile}`);
    } catch (err) {
      problems.push(`MAILROOM_RELAY_TLS_CERT / _KEY must be PEM files of a certificate and its private key: ${(err as Error).message}`);
    }
  }
  return { host, port, tlsPort, tls: { certFile, keyFile, cert, key } };
}

/** A whole number of milliseconds within [min, max], or undefined when unset. */
function millis(name: string, raw: string | undefined, min: number, max: number, problems: string[]): number | undefined {
  const v = (raw ?? '').trim();
  if (v === '') return undefined;
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!(n >= min && n <= max)) problems.push(`${name} must be a whole number of milliseconds from ${min} to ${max}, got "${raw}"`);
  return n;
}

/**
 * MAILROOM_LISTEN_URL: unset listens where DATABASE_URL points; a postgres:// URL listens there
 * instead (PostgreSQL itself when DATABASE_URL goes through a transaction-pooling PgBouncer,
 * which does not deliver LISTEN); "off" does not listen (work from other processes is found by
 * polling, MAILROOM_OUTBOX_POLL_MS).
 */
function parseListenUrl(raw: string | undefined, databaseUrl: string | undefined, problems: string[]): string | null {
  const v = (raw ?? '').trim();
  if (!databaseUrl) {
    if (v) problems.push('MAILROOM_LISTEN_URL is set but DATABASE_URL is not: wake-ups between processes need PostgreSQL (SQLite has one process)');
    return null;
  }
  if (v === '') return databaseUrl;
  if (v.toLowerCase() === 'off') return null;
  if (!/^postgres(ql)?:\/\//.test(v)) problems.push('MAILROOM_LISTEN_URL must be a postgres:// URL or "off"');
  else postgresUrlProblems('MAILROOM_LISTEN_URL', v, problems);
  return v;
}

/**
 * A postgres:// value that is no URL (a port over 65535, an unclosed [IPv6 address) would fail
 * later as a bare TypeError. The value itself is not repeated: it may hold a password. Then its
 * TLS parameters (postgres-url-tls.ts).
 */
function postgresUrlProblems(name: string, v: string, problems: string[]): void {
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    problems.push(`${name} is not a valid URL (check the host, the port (1-65535), and that special characters in the user name or password are percent-encoded)`);
    return;
  }
  problems.push(...postgresTlsProblems(name, url));
}

/** A comma-separated list, its entries trimmed, empty ones dropped. */
const list = (raw: string | undefined): string[] => (raw || '').split(',').map((s) => s.trim()).filter(Boolean);

/** Runs a check that throws MAILROOM_E_CONFIG naming its variable, and adds its message to the others. */
function checked(check: () => unknown, problems: string[]): void {
  try {
    check();
  } catch (err) {
    if (!isMailroomError(err)) throw err;
    problems.push(err.message);
  }
}

function configError(message: string): MailroomError {
  return new MailroomError(ErrorCodes.CONFIG, message);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<MailroomConfig> = {}): Readonly<MailroomConfig> {
  const problems: string[] = [];
  // Digits only, as MAILROOM_RELAY_PORT: Number() would take " " as 0 (a random port) and 0x4A39 as 19001.
  const port = env.MAILROOM_PORT === undefined || env.MAILROOM_PORT === '' ? 8025 : portNumber('MAILROOM_PORT', env.MAILROOM_PORT, problems);
  const driver = (env.MAILROOM_MAIL_DRIVER || 'smtp').toLowerCase();
  if (driver !== 'smtp' && driver !== 'log') problems.push(`MAILROOM_MAIL_DRIVER must be "smtp" or "log", got "${env.MAILROOM_MAIL_DRIVER}"`);
  const trustProxy = parseTrustProxy(env.MAILROOM_TRUST_PROXY, problems);
  const databaseUrl = env.DATABASE_URL || undefined;
  // Words in any case, as MAILROOM_LOG_LEVEL (JSON is json; src/cli hands the logger the lowercase word).
  const logFormat = env.MAILROOM_LOG_FORMAT?.trim().toLowerCase() || undefined;
  if (logFormat && logFormat !== 'json' && logFormat !== 'pretty') problems.push(`MAILROOM_LOG_FORMAT must be "json" or "pretty" (unset: readable lines on a terminal, JSON otherwise), got "${env.MAILROOM_LOG_FORMAT}"`);
  // Words in any case, as MAILROOM_MAIL_DRIVER takes them (DEBUG is debug).
  const logLevel = (env.MAILROOM_LOG_LEVEL || 'info').trim().toLowerCase();
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) problems.push(`MAILROOM_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "${env.MAILROOM_LOG_LEVEL}"`);
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) problems.push('DATABASE_URL must start with postgres:// (unset it to use the embedded SQLite database)');
  else if (databaseUrl) postgresUrlProblems('DATABASE_URL', databaseUrl, problems);
  const host = env.MAILROOM_HOST || '127.0.0.1';
  // As MAILROOM_RELAY_HOST: a name that cannot be one would only fail at listen, after the store opened.
  if (!isIP(host) && !HOST_NAME.test(host)) problems.push(`MAILROOM_HOST must be an IP address or host name to listen on, got "${host}"`);
  const relay = parseRelay(env, port, problems);
  const listenUrl = parseListenUrl(env.MAILROOM_LISTEN_URL, databaseUrl, problems);
  const allowPrivateHosts = list(env.MAILROOM_ALLOW_PRIVATE_HOSTS);
  const dnsServers = list(env.MAILROOM_DNS_SERVERS);
  // Checked here, with the rest, by the code that uses them later: not after the store is opened.
  // Entry by entry, so that every bad one is named at once (each check stops at its first).
  for (const entry of allowPrivateHosts) checked(() => compileNetworkPolicy([entry]), problems);
  for (const entry of dnsServers) {
    const dnsProblem = dnsServersProblem([entry]);
    if (dnsProblem) problems.push(dnsProblem);
  }
  // Blank after the line ending is dropped: a password of spaces or a tab only (an empty secret
  // file with a stray space) would be taken, or a generated one printed, as if none were set.
  const adminPassword = withoutTrailingLineEnding(env.MAILROOM_ADMIN_PASSWORD ?? '');
  if (adminPassword !== '' && adminPassword.trim() === '') problems.push('MAILROOM_ADMIN_PASSWORD is only blanks (spaces, tabs or line endings): give the first admin\'s password, or unset it to have one generated and printed once');
  const outboxPollMs = millis('MAILROOM_OUTBOX_POLL_MS', env.MAILROOM_OUTBOX_POLL_MS, 10, 3_600_000, problems);
  const outboxLeaseMs = millis('MAILROOM_OUTBOX_LEASE_MS', env.MAILROOM_OUTBOX_LEASE_MS, 3_000, 86_400_000, problems);
  const misspelled = misspelledIn(env);
  if (problems.length) {
    const message = `invalid configuration:\n  - ${problems.join('\n  - ')}`;
    throw configError(`${message}${misspellingHints(message, misspelled)}`);
  }
  const deploySmtp: Record<string, string> = {};
  for (const name of DEPLOY_SMTP_VARS) {
    const v = env[name];
    if (v !== undefined && v !== '') deploySmtp[name] = v;
  }
  const config: MailroomConfig = {
    dataDir: path.resolve(env.MAILROOM_DATA_DIR || './data'),
    databaseUrl,
    host,
    port,
    secretKey: env.MAILROOM_SECRET_KEY || undefined,
    // A line ending from a secret file is not part of the password (withoutTrailingLineEnding).
    admin: { email: env.MAILROOM_ADMIN_EMAIL?.trim() || undefined, password: adminPassword || undefined },
    mailDriver: driver as MailDriver,
    mailDriverFromEnv: Boolean(env.MAILROOM_MAIL_DRIVER),
    deploySmtp,
    allowPrivateHosts,
    dnsServers,
    logLevel,
    trustProxy,
    listenUrl,
    outbox: { pollMs: outboxPollMs, leaseMs: outboxLeaseMs },
    runWorkers: true,
    relay,
    logFormat: logFormat as MailroomConfig['logFormat'],
    misspelled,
    ...overrides,
  };
  return Object.freeze(config);
}
