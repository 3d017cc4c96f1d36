import { parseMailbox } from '../kernel/addresses.js';
import { ErrorCodes, invalid, MailroomError } from '../kernel/errors.js';
import { assertHeaderSafe } from '../kernel/header-safety.js';
import { MAIL_PORTS, type DiagnosticTarget, type NetworkPolicy } from './network-policy.js';
import type { ImapSettings, SmtpSettings } from '../senders/servers.js';
import { doc, onlyKeys, optStr, str } from '../kernel/validate.js';

/**
 * The shape of a connection diagnostic: a list of steps run in order, each passing, failing
 * or skipped, with the peer's exact reply and, for failures we recognise, what to do.
 */
export type StepStatus = 'pass' | 'fail' | 'skip';
export type SmtpStepName = 'dns' | 'tcp' | 'tls' | 'ehlo' | 'starttls' | 'auth' | 'send';
export type ImapStepName = 'dns' | 'tcp' | 'tls' | 'login' | 'inbox';

export interface CertificateInfo {
  subject: string;
  issuer: string;
  subjectAltNames: string[];
  validFrom: string;
  validTo: string;
  /** SHA-256 fingerprint, colon-separated upper-case hex (the form `tlsTrust.fingerprint` takes). */
  fingerprint256: string;
  /** Trusted under the server's `tlsTrust.mode` (system CAs and host name, the pin, or "any"). */
  trusted: boolean;
  trustMode: 'system' | 'pinned' | 'any';
  /** Why it is not trusted (OpenSSL/Node code, e.g. DEPTH_ZERO_SELF_SIGNED_CERT). */
  trustError?: string;
  protocol?: string;
  cipher?: string;
}

export interface SmtpCapabilities {
  size: number | null;
  auth: string[];
  starttls: boolean;
  pipelining: boolean;
  eightBitMime: boolean;
  smtpUtf8: boolean;
  /** Every EHLO keyword line as the server sent it. */
  raw: string[];
}

export interface DiagnosticStep<N extends string = string> {
  name: N;
  status: StepStatus;
  durationMs: number;
  /** What happened, in one sentence. */
  detail: string;
  /** The server's exact reply (or the transcript of the step), credentials redacted. */
  reply?: string;
  /** What to change, for failures we recognise. */
  hint?: string;
  certificate?: CertificateInfo;
  capabilities?: SmtpCapabilities;
  /** The address the host resolved to and that every connection used. */
  address?: string;
}

export interface DiagnosticResult<N extends string = string> {
  ok: boolean;
  steps: DiagnosticStep<N>[];
}

export interface SmtpDiagnosticTarget {
  smtp: SmtpSettings;
  /** The host and port are a saved server's own (the network policy lets it reach an internal address). */
  saved?: boolean;
  /** `mechanism: "XOAUTH2"`: `password` is an OAuth2 access token (an OAuth2 account's). */
  auth?: { user: string; password: string; mechanism?: 'XOAUTH2' };
  /** Why there is no password although an account was named (shown on the auth step). */
  authUnavailable?: string;
  /** The account has a password, but it cannot be read now (the auth step fails with this). */
  authFailed?: AuthFailure;
  send?: { from: string; to: string };
}

export interface ImapDiagnosticTarget {
  imap: ImapSettings;
  /** The host and port are a saved server's own IMAP section. */
  saved?: boolean;
  /** Certificate trust and timeouts come from the server's SMTP section (one trust setting per server). */
  tlsTrust: SmtpSettings['tlsTrust'];
  timeoutSec: number;
  /** `mechanism: "XOAUTH2"`: `password` is an OAuth2 access token. */
  auth?: { user: string; password: string; mechanism?: 'XOAUTH2' };
  authUnavailable?: string;
  authFailed?: AuthFailure;
  /** The folders the account reads (INBOX when not given), opened read-only by the inbox step. */
  folders?: readonly string[];
  /** The folder stored messages are moved to (afterProcessing "move"): it must exist. */
  moveTo?: string;
}

/**
 * An account's password (or OAuth2 token) that exists but cannot be read now: an unset
 * variable, a provider that refuses. Every send and IMAP login of the account fails the same
 * way, so the diagnostic's auth/login step fails with it rather than being skipped.
 */
export interface AuthFailure {
  detail: string;
  hint: string;
}

/**
 * The port through which the core runs diagnostics; the adapter (src/delivery/diagnostics)
 * talks to sockets. It throws TARGET_NOT_ALLOWED when the policy refuses the address.
 */
export interface DiagnosticsRunner {
  smtp(target: SmtpDiagnosticTarget, policy: NetworkPolicy): Promise<DiagnosticResult<SmtpStepName>>;
  imap(target: ImapDiagnosticTarget, policy: NetworkPolicy): Promise<DiagnosticResult<ImapStepName>>;
}

export interface DiagnosticRequest {
  serverId?: string;
  accountId?: string;
  /** Unsaved form values (merged over the saved server's when serverId is given). */
  smtp?: unknown;
  imap?: unknown;
  auth?: { user: string; password?: string };
  send?: { from: string; to: string };
}

/** Validates the request body of POST /diagnostics/smtp and /diagnostics/imap. */
export function normalizeDiagnosticRequest(input: unknown, kind: 'smtp' | 'imap'): DiagnosticRequest {
  const d = doc('body', input ?? {});
  onlyKeys('body', d, kind === 'smtp' ? ['serverId', 'accountId', 'smtp', 'auth', 'send'] : ['serverId', 'accountId', 'imap', 'auth']);
  const out: DiagnosticRequest = {};
  const serverId = optStr('serverId', d.serverId, { max: 100 });
  const accountId = optStr('accountId', d.accountId, { max: 100 });
  if (serverId) out.serverId = serverId;
  if (accountId) out.accountId = accountId;
  if (d.smtp !== undefined) out.smtp = doc('smtp', d.smtp);
  if (d.imap !== undefined) out.imap = doc('imap', d.imap);
  const settings = kind === 'smtp' ? out.smtp : out.imap;
  if (!settings && !serverId && !accountId) {
    throw invalid(kind, `give the ${kind} settings to test, or a saved serverId or accountId`);
  }
  if (d.auth !== undefined) {
    const a = doc('auth', d.auth);
    onlyKeys('auth', a, ['user', 'password']);
    const user = str('auth.user', a.user, { max: 320 });
    // CR/LF in a login would end the AUTH command early and inject the next one.
    assertHeaderSafe('auth.user', user);
    const password = optStr('auth.password', a.password, { max: 1000 });
    if (password !== undefined) assertHeaderSafe('auth.password', password);
    out.auth = { user, ...(password !== undefined ? { password } : {}) };
  }
  if (d.send !== undefined) {
    const s = doc('send', d.send);
    onlyKeys('send', s, ['from', 'to']);
    const from = parseMailbox('send.from', str('send.from', s.from, { max: 320 })).address;
    const to = parseMailbox('send.to', str('send.to', s.to, { max: 320 })).address;
    out.send = { from, to };
  }
  return out;
}

export function targetRefused(target: DiagnosticTarget, address: string, cls: string): MailroomError {
  // One message whatever is (or is not) listening there: the refusal happens before any
  // connection, so it says nothing about open or closed ports.
  const where = target.host === address ? address : `${target.host} (${address})`;
  const internal = cls === 'loopback' || cls === 'private';
  const ports = target.protocol === 'http' ? '' : MAIL_PORTS[target.protocol].join(', ');
  const why = internal
    ? `${where} is a ${cls} address and ${target.port} is not a mail port: diagnostics reach loopback and private addresses only on mail ports (${ports}) or at a saved server's own host and port.`
    : `${where} is a ${cls} address, which diagnostics never reach on their own (it could be a cloud metadata service or another machine's internals).`;
  return new MailroomError(
    ErrorCodes.TARGET_NOT_ALLOWED,
    `${why} If this really is your mail server, use its mail port, or allow it: set the environment variable MAILROOM_ALLOW_PRIVATE_HOSTS=${address} (an address, CIDR range or host name; several comma-separated) for the Mailroom process and restart it.`,
    { host: target.host, address, class: cls, port: target.port },
  );
}
