import { enhancedCodeOf, replyOnOneLine, type AttemptReport, type FailureKind, type RecipientReply } from '../../core/outbox/retry-policy.js';
import { hintForCertificate, hintForConnectError, hintForNoGreeting, hintForReply, hintForTlsHandshake, parseReply, type HintContext } from '../../core/probes/smtp-hints.js';
import type { SmtpFailure } from './guarded-connection.js';
import { secretRedactor, type SecretInput } from '../../core/kernel/redact-secrets.js';

/** nodemailer's error as far as classification needs it, with what the guarded pool adds. */
interface SmtpError extends SmtpFailure {
  rejectedErrors?: SmtpError[];
  recipient?: string;
}

const TLS_WORDS = /certificate|self[- ]signed|ssl|tls|handshake|CERT_|ERR_TLS|unable to verify|wrong version number/i;

function kindOf(err: SmtpError): FailureKind {
  if (err.protocolViolation) return 'protocol';
  const codes = `${err.code ?? ''} ${err.originalCode ?? ''}`;
  if (/ETLS/.test(codes) || TLS_WORDS.test(codes) || (err.code === 'ESOCKET' && TLS_WORDS.test(err.message))) return 'tls';
  if (/ETIMEDOUT|ETIMEOUT/.test(codes) || /timeout|timed out/i.test(err.message)) return 'timeout';
  if (/EAUTH|ENOAUTH/.test(codes)) return 'auth';
  if (/EENVELOPE|EMESSAGE/.test(codes) && err.responseCode) return 'smtp';
  if (/ECONNECTION|ESOCKET|EDNS|ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|EPIPE/.test(codes)) return 'network';
  return err.responseCode ? 'smtp' : 'protocol';
}

/**
 * The server answered STARTTLS with a refusal (454 …): TLS never started and no certificate was
 * presented, so it is the server's refusal, not a failed certificate check. (A handshake that
 * fails after its 220 carries no reply.)
 */
function refusedStarttls(err: SmtpError): boolean {
  return err.command === 'STARTTLS' && typeof err.responseCode === 'number' && !err.protocolViolation;
}

/**
 * What nodemailer and Mailroom wrote themselves, not the server: the recipient an error is about
 * (an address that holds the password's text must still match its recipient, or a refused one
 * was retried for days), the error's code and the command it came at (what the failure's kind
 * is judged by).
 */
const OWN_FIELDS = new Set(['recipient', 'code', 'originalCode', 'command', 'name']);

/**
 * The error with the login hidden in every text it carries (nodemailer's message repeats the
 * server's reply; a protocol violation quotes it): a server may echo the AUTH exchange, the
 * password in clear or its base64, and what is built from here is shown, stored and logged.
 */
function scrubbed(err: SmtpError, hide: (text: string) => string): SmtpError {
  const out = Object.assign(new Error(hide(err.message)), err) as SmtpError;
  out.message = hide(err.message);
  for (const [k, v] of Object.entries(out)) if (typeof v === 'string' && !OWN_FIELDS.has(k)) (out as unknown as Record<string, unknown>)[k] = hide(v);
  if (err.rejectedErrors) out.rejectedErrors = err.rejectedErrors.map((e) => scrubbed(e, hide));
  return out;
}

function reply(address: string, e: { responseCode?: number; response?: string; message?: string }): RecipientReply {
  const response = e.response !== undefined ? replyOnOneLine(e.response) : (e.message ?? null);
  return { address, code: e.responseCode ?? null, enhancedCode: enhancedCodeOf(e.response), response };
}

/** Turns nodemailer's success info into the core's report; `secrets` (the login) never reach it. */
export function reportFromInfo(info: { accepted?: unknown[]; rejected?: unknown[]; rejectedErrors?: SmtpError[]; response?: string }, secrets: readonly SecretInput[] = []): AttemptReport {
  const hide = secretRedactor(secrets);
  const response = replyOnOneLine(hide(info.response ?? ''));
  const code = Number(/^\d{3}/.exec(response)?.[0]) || undefined;
  const rejected = (info.rejectedErrors ?? []).map((e) => scrubbed(e, hide)).map((e) => reply(String(e.recipient ?? ''), e));
  return {
    accepted: (info.accepted ?? []).map((a) => ({ address: String(a), code: code ?? null, enhancedCode: enhancedCodeOf(response), response })),
    rejected,
    response,
    code,
  };
}

/** The connection test's step a refused command belongs to: the same reply means another thing at EHLO than at MAIL FROM. */
function stepOf(command: string | undefined): 'ehlo' | 'starttls' | 'auth' | 'send' {
  if (command === 'CONN' || command === 'EHLO' || command === 'HELO' || command === 'LHLO') return 'ehlo';
  if (command === 'STARTTLS') return 'starttls';
  if (command?.startsWith('AUTH')) return 'auth';
  return 'send';
}

/**
 * The diagnostics' plain-language advice for what stopped an attempt (the same words the
 * "Test connection" steps show), so a deferred message explains itself in the log.
 */
function adviceFor(err: SmtpError, kind: FailureKind, where: HintContext): string | undefined {
  if (err.explanation) return err.explanation;
  switch (kind) {
    case 'network':
      // Dropped after the whole message went out (the possible duplicate): not the TLS mode's fault.
      return hintForConnectError(err.originalCode ?? err.code, where, err.possibleDuplicate ? 'message' : 'connecting');
    case 'timeout':
      // Connected, but the greeting never came: the server is there and keeps quiet (no firewall).
      if (err.opening?.connected && err.opening.greeted === false) return hintForNoGreeting(where);
      // Still connecting (TCP, greeting, EHLO, STARTTLS, AUTH) or already in the transaction?
      return err.command === 'CONN' || err.command === 'EHLO' || err.command === 'STARTTLS' || err.command?.startsWith('AUTH')
        ? hintForConnectError('ETIMEDOUT', where)
        : `The server stopped answering in the middle of the transaction (it may be overloaded, or something on the way stalls large messages). Delivery retries automatically; if it lasts, raise the server's send timeout or check the relay.`;
    case 'tls':
      if (refusedStarttls(err)) return hintForReply('starttls', parseReply(err.response ?? ''), where);
      // Node's reason (CERT_HAS_EXPIRED, DEPTH_ZERO_SELF_SIGNED_CERT, …) is kept as originalCode under nodemailer's ETLS;
      // a reset or an alert during the handshake came before any certificate was judged.
      return hintForCertificate(err.originalCode, where) ?? hintForTlsHandshake(err.originalCode, where, where.security === 'tls' ? 'implicit' : 'starttls');
    case 'auth':
    case 'smtp':
      return err.response ? hintForReply(kind === 'auth' ? 'auth' : stepOf(err.command), parseReply(err.response), where) : undefined;
    default:
      return undefined;
  }
}

/**
 * Turns a failed send into the core's report. `hint` explains TLS failures in the admin's
 * terms (e.g. which certificate was pinned), so the log says why, not just "handshake failed".
 * `secrets` (the login the session used) are hidden from every word of the server's kept.
 */
export function reportFromError(raw: unknown, hint?: string, where?: HintContext, secrets: readonly SecretInput[] = []): AttemptReport {
  const err = scrubbed((raw instanceof Error ? raw : new Error(String(raw))) as SmtpError, secretRedactor(secrets));
  // "All recipients were rejected": each has its own reply, and that decides each one's fate.
  if (err.code === 'EENVELOPE' && err.rejectedErrors?.length && err.command === 'RCPT TO') {
    return { accepted: [], rejected: err.rejectedErrors.map((e) => reply(String(e.recipient ?? ''), e)) };
  }
  const kind = kindOf(err);
  let message = err.response && !err.protocolViolation ? `${err.command ? `${err.command}: ` : ''}${replyOnOneLine(err.response)}` : err.message;
  // An explanation in plain words (e.g. "the server does not offer STARTTLS") replaces the trust
  // hint; a refused STARTTLS is told in the server's words alone (the trust was never tested).
  if (err.explanation) message = `${err.explanation} (the server said: ${message})`;
  else if (kind === 'tls' && hint && !refusedStarttls(err)) message = `${hint}: ${message}`;
  if (kind === 'timeout') message = `timed out: ${err.message}`;
  const advice = where ? adviceFor(err, kind, where) : undefined;
  const report: AttemptReport = { accepted: [], rejected: [], failure: { kind, code: err.responseCode ?? null, enhancedCode: enhancedCodeOf(err.response), message, ...(advice ? { hint: advice } : {}) } };
  if (err.possibleDuplicate && report.failure) {
    // Said in the message too, so the log and the UI show it wherever they show the error.
    report.failure.message += ` — possible duplicate: ${err.possibleDuplicate}`;
    report.possibleDuplicate = { reason: err.possibleDuplicate };
  }
  return report;
}
