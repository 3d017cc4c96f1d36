import { parseMailbox } from '../kernel/addresses.js';
import { ErrorCodes, MailroomError } from '../kernel/errors.js';
import { hasHeaderUnsafeChars } from '../kernel/header-safety.js';
import { ehloName, publicAddresses, SMTP_MODES, SMTP_SECURITY, type SmtpMode, type SmtpSecurity } from './servers.js';
import { hostname } from '../kernel/validate.js';
import { withoutTrailingLineEnding } from '../kernel/line-ending.js';

/**
 * The deploy-time mail configuration (MAILROOM_SMTP_*, MAILROOM_MAIL_FROM_*), checked as a
 * whole so a failed start names every problem at once instead of one per restart.
 */
export interface DeployVars {
  /** MAILROOM_SMTP_MODE: "relay" (default) or "direct" (no host: each recipient domain's MX). */
  mode: SmtpMode;
  host: string;
  port: number;
  security?: SmtpSecurity;
  timeoutSec?: number;
  username?: string;
  password?: string;
  fromAddress: string;
  fromName?: string;
  /** MAILROOM_SMTP_EHLO_NAME (direct only): the fully qualified name to greet exchangers with. */
  ehloName?: string;
  /** MAILROOM_SMTP_PUBLIC_ADDRESSES (direct only, comma-separated): the addresses exchangers see; SPF is checked against them. */
  publicAddresses?: string[];
}

export type MailDriver = 'smtp' | 'log';

export const REQUIRED_SMTP_VARS = ['MAILROOM_SMTP_HOST', 'MAILROOM_SMTP_PORT', 'MAILROOM_MAIL_FROM_ADDRESS', 'MAILROOM_MAIL_FROM_NAME'] as const;
/** A direct server has no host, and its port defaults to 25. */
export const REQUIRED_DIRECT_VARS = ['MAILROOM_MAIL_FROM_ADDRESS', 'MAILROOM_MAIL_FROM_NAME'] as const;
/** What a direct server cannot use: it logs in nowhere, and its host is each domain's MX. */
const NOT_FOR_DIRECT = ['MAILROOM_SMTP_HOST', 'MAILROOM_SMTP_USERNAME', 'MAILROOM_SMTP_PASSWORD'] as const;
/** What only a direct server uses: a relay greets and is seen as its own host. */
const DIRECT_ONLY = ['MAILROOM_SMTP_EHLO_NAME', 'MAILROOM_SMTP_PUBLIC_ADDRESSES'] as const;

/** What the log driver uses when the environment names no server or sender: nothing is sent. */
export const LOG_DRIVER_DEFAULTS = { host: 'localhost', port: 25, fromAddress: 'mailroom@mailroom.invalid', fromName: 'Mailroom' } as const;

/**
 * Returns the parsed variables, or null when none is set (and the driver is smtp). With the
 * smtp driver, setting any variable makes host, port, from address and from name required.
 */
export function parseDeployVars(driver: MailDriver, vars: Readonly<Record<string, string>>): DeployVars | null {
  const set = Object.keys(vars).filter((k) => vars[k] !== undefined && vars[k] !== '');
  if (driver === 'smtp' && set.length === 0) return null;
  const problems: string[] = [];
  const v = (k: string): string | undefined => (vars[k] === undefined || vars[k] === '' ? undefined : vars[k].trim());
  const modeRaw = v('MAILROOM_SMTP_MODE')?.toLowerCase();
  let mode: SmtpMode = 'relay';
  if (modeRaw !== undefined) {
    if ((SMTP_MODES as readonly string[]).includes(modeRaw)) mode = modeRaw as SmtpMode;
    else problems.push(`MAILROOM_SMTP_MODE must be "relay" (through MAILROOM_SMTP_HOST) or "direct" (to each recipient domain's mail exchanger), got "${modeRaw}"`);
  }
  if (mode === 'direct') {
    const stray = NOT_FOR_DIRECT.filter((k) => set.includes(k));
    if (stray.length) problems.push(`MAILROOM_SMTP_MODE=direct delivers to each recipient domain's mail exchanger, without a host or a login: unset ${stray.join(', ')}`);
    const security = v('MAILROOM_SMTP_SECURITY')?.toLowerCase();
    if (security !== undefined && security !== 'starttls') problems.push(`MAILROOM_SMTP_MODE=direct always uses STARTTLS when the exchanger offers it: unset MAILROOM_SMTP_SECURITY or set it to starttls, got "${security}"`);
  } else {
    const stray = DIRECT_ONLY.filter((k) => set.includes(k));
    if (stray.length) problems.push(`${stray.join(', ')} ${stray.length === 1 ? 'applies' : 'apply'} only with MAILROOM_SMTP_MODE=direct (a relay is greeted and seen from its own host): unset ${stray.length === 1 ? 'it' : 'them'} or set MAILROOM_SMTP_MODE=direct`);
  }
  const required = mode === 'direct' ? REQUIRED_DIRECT_VARS : REQUIRED_SMTP_VARS;
  if (driver === 'smtp') {
    const missing = required.filter((k) => !set.includes(k));
    if (missing.length) {
      problems.push(`missing ${missing.join(', ')} (with MAILROOM_MAIL_DRIVER=smtp, setting ${set.join(', ')} makes ${required.join(', ')} required)`);
    }
  }
  const out: DeployVars = {
    mode,
    host: LOG_DRIVER_DEFAULTS.host,
    port: LOG_DRIVER_DEFAULTS.port,
    fromAddress: LOG_DRIVER_DEFAULTS.fromAddress,
    fromName: driver === 'log' ? LOG_DRIVER_DEFAULTS.fromName : undefined,
  };
  const host = v('MAILROOM_SMTP_HOST');
  if (host !== undefined) {
    try {
      out.host = hostname('MAILROOM_SMTP_HOST', host);
    } catch {
      problems.push(`MAILROOM_SMTP_HOST "${host}" is not a host name or IP address`);
    }
  }
  const port = v('MAILROOM_SMTP_PORT');
  if (port !== undefined) {
    if (/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535) out.port = Number(port);
    else problems.push(`MAILROOM_SMTP_PORT must be a port number 1-65535 (587 for STARTTLS, 465 for implicit TLS), got "${port}"`);
  }
  const security = v('MAILROOM_SMTP_SECURITY')?.toLowerCase();
  if (security !== undefined) {
    if ((SMTP_SECURITY as readonly string[]).includes(security)) out.security = security as SmtpSecurity;
    else problems.push(`MAILROOM_SMTP_SECURITY must be one of ${SMTP_SECURITY.join(', ')}, got "${security}"`);
  }
  const timeout = v('MAILROOM_SMTP_TIMEOUT');
  if (timeout !== undefined) {
    if (/^\d{1,3}$/.test(timeout) && Number(timeout) >= 1 && Number(timeout) <= 300) out.timeoutSec = Number(timeout);
    else problems.push(`MAILROOM_SMTP_TIMEOUT must be a whole number of seconds 1-300, got "${timeout}"`);
  }
  const username = vars.MAILROOM_SMTP_USERNAME || undefined;
  if (username !== undefined) {
    if (hasHeaderUnsafeChars(username) || username.length > 320) problems.push('MAILROOM_SMTP_USERNAME must be one line of at most 320 characters');
    else out.username = username;
  }
  // The password is taken byte for byte (spaces may be part of it) but for one trailing line
  // ending, which a secret file gave it and nobody typed. It is never echoed.
  if (vars.MAILROOM_SMTP_PASSWORD) out.password = withoutTrailingLineEnding(vars.MAILROOM_SMTP_PASSWORD);
  const from = v('MAILROOM_MAIL_FROM_ADDRESS');
  if (from !== undefined) {
    try {
      const m = parseMailbox('MAILROOM_MAIL_FROM_ADDRESS', from);
      if (m.name) problems.push('MAILROOM_MAIL_FROM_ADDRESS must be a bare address; put the name in MAILROOM_MAIL_FROM_NAME');
      out.fromAddress = m.address;
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  const name = v('MAILROOM_MAIL_FROM_NAME');
  if (name !== undefined) {
    if (hasHeaderUnsafeChars(name) || name.length > 200) problems.push('MAILROOM_MAIL_FROM_NAME must be one line of at most 200 characters');
    else out.fromName = name;
  }
  const ehlo = v('MAILROOM_SMTP_EHLO_NAME');
  if (ehlo !== undefined && mode === 'direct') {
    try {
      out.ehloName = ehloName('MAILROOM_SMTP_EHLO_NAME', ehlo);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  const publicList = v('MAILROOM_SMTP_PUBLIC_ADDRESSES');
  if (publicList !== undefined && mode === 'direct') {
    try {
      out.publicAddresses = publicAddresses('MAILROOM_SMTP_PUBLIC_ADDRESSES', publicList.split(',').map((a) => a.trim()).filter(Boolean));
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  const effectiveSecurity = out.security ?? (out.port === 465 ? 'tls' : 'starttls');
  if (out.password && effectiveSecurity === 'none') {
    problems.push('MAILROOM_SMTP_PASSWORD is set but MAILROOM_SMTP_SECURITY=none would send it in plain text; use starttls or tls');
  }
  if (driver === 'log' && !out.security && !host) out.security = 'none';
  if (problems.length) {
    throw new MailroomError(ErrorCodes.CONFIG, `the deploy-time mail configuration cannot be used:\n  - ${problems.join('\n  - ')}`, {
      problems,
    });
  }
  return out;
}
