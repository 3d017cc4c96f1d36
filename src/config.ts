import { isIP } from 'node:net';
import path from 'node:path';
import { ErrorCodes, MailroomError } from './core/kernel/errors.js';

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
  /** Workers run in this process (false for an API-only process). */
  runWorkers: boolean;
}

export const DEPLOY_SMTP_VARS = [
  'MAILROOM_SMTP_HOST',
  'MAILROOM_SMTP_PORT',
  'MAILROOM_SMTP_SECURITY',
  'MAILROOM_SMTP_USERNAME',
  'MAILROOM_SMTP_PASSWORD',
  'MAILROOM_SMTP_TIMEOUT',
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

function configError(message: string): MailroomError {
  return new MailroomError(ErrorCodes.CONFIG, message);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<MailroomConfig> = {}): Readonly<MailroomConfig> {
  const problems: string[] = [];
  const port = env.MAILROOM_PORT === undefined || env.MAILROOM_PORT === '' ? 8025 : Number(env.MAILROOM_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`MAILROOM_PORT must be a port number (0-65535), got "${env.MAILROOM_PORT}"`);
  const driver = (env.MAILROOM_MAIL_DRIVER || 'smtp').toLowerCase();
  if (driver !== 'smtp' && driver !== 'log') problems.push(`MAILROOM_MAIL_DRIVER must be "smtp" or "log", got "${env.MAILROOM_MAIL_DRIVER}"`);
  const trustProxy = parseTrustProxy(env.MAILROOM_TRUST_PROXY, problems);
  const databaseUrl = env.DATABASE_URL || undefined;
  const logFormat = env.MAILROOM_LOG_FORMAT || undefined;
  if (logFormat && logFormat !== 'json' && logFormat !== 'pretty') problems.push(`MAILROOM_LOG_FORMAT must be "json" or "pretty" (unset: readable lines on a terminal, JSON otherwise), got "${logFormat}"`);
  const logLevel = env.MAILROOM_LOG_LEVEL || 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) problems.push(`MAILROOM_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "${logLevel}"`);
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) problems.push('DATABASE_URL must start with postgres:// (unset it to use the embedded SQLite database)');
  if (problems.length) throw configError(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  const deploySmtp: Record<string, string> = {};
  for (const name of DEPLOY_SMTP_VARS) {
    const v = env[name];
    if (v !== undefined && v !== '') deploySmtp[name] = v;
  }
  const config: MailroomConfig = {
    dataDir: path.resolve(env.MAILROOM_DATA_DIR || './data'),
    databaseUrl,
    host: env.MAILROOM_HOST || '127.0.0.1',
    port,
    secretKey: env.MAILROOM_SECRET_KEY || undefined,
    admin: { email: env.MAILROOM_ADMIN_EMAIL || undefined, password: env.MAILROOM_ADMIN_PASSWORD || undefined },
    mailDriver: driver as MailDriver,
    mailDriverFromEnv: Boolean(env.MAILROOM_MAIL_DRIVER),
    deploySmtp,
    allowPrivateHosts: (env.MAILROOM_ALLOW_PRIVATE_HOSTS || '').split(',').map((s) => s.trim()).filter(Boolean),
    dnsServers: (env.MAILROOM_DNS_SERVERS || '').split(',').map((s) => s.trim()).filter(Boolean),
    logLevel,
    trustProxy,
    runWorkers: true,
    ...overrides,
  };
  return Object.freeze(config);
}
