import { ErrorCodes, isMailroomError, type ErrorCode } from '../core/kernel/errors.js';
import type { RejectionStage } from '../core/relay/ports.js';

/**
 * The SMTP reply for each refusal, by its catalogue code: what HTTP's error-status.ts is for
 * the API. Permanent (5xx) when the same message would be refused again; temporary (4xx) when
 * it may pass later (the store away, a limit, an admin fixing the routing), so the application
 * keeps it and retries instead of losing it.
 */
export interface SmtpReply {
  code: number;
  /** "5.7.1 …": the enhanced status code first (RFC 3463), then the text. */
  text: string;
}

const BY_CODE: Partial<Record<ErrorCode, (stage: RejectionStage) => [number, string]>> = {
  [ErrorCodes.INVALID_CREDENTIALS]: () => [535, '5.7.8'],
  [ErrorCodes.UNAUTHENTICATED]: () => [530, '5.7.0'],
  [ErrorCodes.FORBIDDEN]: () => [550, '5.7.1'],
  [ErrorCodes.FROM_NOT_ALLOWED]: () => [550, '5.7.1'],
  [ErrorCodes.PURPOSE_DISABLED]: () => [550, '5.7.1'],
  [ErrorCodes.INVALID_ADDRESS]: (stage) => (stage === 'mail' ? [553, '5.1.7'] : stage === 'rcpt' ? [553, '5.1.3'] : [550, '5.6.0']),
  [ErrorCodes.HEADER_INJECTION]: (stage) => (stage === 'mail' ? [553, '5.1.7'] : stage === 'rcpt' ? [553, '5.1.3'] : [550, '5.6.0']),
  [ErrorCodes.VALIDATION]: (stage) => (stage === 'data' ? [550, '5.6.0'] : [501, '5.5.4']),
  [ErrorCodes.TOO_MANY_RECIPIENTS]: () => [452, '4.5.3'],
  [ErrorCodes.MESSAGE_TOO_LARGE]: () => [552, '5.3.4'],
  // A login throttle closes the session (421); a transaction rate asks to come back (451).
  [ErrorCodes.RATE_LIMITED]: (stage) => (stage === 'auth' ? [421, '4.7.0'] : [451, '4.7.1']),
  [ErrorCodes.STORE_UNAVAILABLE]: () => [451, '4.3.0'],
  [ErrorCodes.STORE_OUTCOME_UNKNOWN]: () => [451, '4.3.0'],
  [ErrorCodes.STORE_FULL]: () => [452, '4.3.1'],
  // The routing the credential names cannot send right now: an admin can fix it, the application retries.
  [ErrorCodes.NO_SENDER]: () => [451, '4.3.5'],
  [ErrorCodes.UNKNOWN_PURPOSE]: () => [451, '4.3.5'],
  [ErrorCodes.ACCOUNT_INACTIVE]: () => [451, '4.3.5'],
  [ErrorCodes.OVERRIDE_NOT_ALLOWED]: () => [451, '4.3.5'],
};

/**
 * A reply's text is printable ASCII (RFC 5321 4.2; the relay offers no SMTPUTF8): a refusal that
 * quotes what the client wrote (a header line, a From) must not send its tabs, escape sequences
 * or 8-bit bytes back, so each of them is a "?"; an address refused at MAIL FROM or RCPT TO is
 * escaped instead (printableAddressText), since the client must read which one was refused.
 */
function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

/** A character as an escape a person can read: \x1B (an ASCII control), \u00F6, \u202E, \uFFFD, \u{1F600}. */
function escaped(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  if (cp < 0x80) return `\\x${cp.toString(16).toUpperCase().padStart(2, '0')}`;
  return cp > 0xffff ? `\\u{${cp.toString(16).toUpperCase()}}` : `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * For a refusal of MAIL FROM or RCPT TO, which quotes the address as the client wrote it: each
 * character beyond printable ASCII as an escape ("j\u00F6rg@example.net", not "j?rg", which says
 * nothing), so the reply stays ASCII as RFC 5321 asks of a server that offers no SMTPUTF8, and a
 * right-to-left override or an escape sequence cannot act on the reader's screen. Bytes that
 * were no UTF-8 arrive as U+FFFD (smtp-server reads them so): \uFFFD.
 */
function printableAddressText(text: string): string {
  return text.replace(/[^\x20-\x7e]/gu, escaped);
}

/** A COMMIT whose answer was lost (StoreUnavailableError, outcome-unknown). */
const OUTCOME_UNKNOWN_TEXT = 'the connection to the database was lost while the message was being queued: it may have been queued; sending it again may deliver it twice';

/** SMTP reply lines stay well under RFC 5321's 512 octets. */
const MAX_TEXT = 400;

export function smtpReply(err: unknown, stage: RejectionStage): SmtpReply {
  if (isMailroomError(err)) {
    const map = BY_CODE[err.code];
    if (map) {
      const [code, enhanced] = map(stage);
      // SMTP has no idempotency key to offer: say what the client's retry may cause instead.
      if (err.code === ErrorCodes.STORE_OUTCOME_UNKNOWN) return { code, text: `${enhanced} ${OUTCOME_UNKNOWN_TEXT}` };
      const extra = err.code === ErrorCodes.STORE_UNAVAILABLE || err.code === ErrorCodes.STORE_FULL ? ' (nothing was queued; try again)' : '';
      const text = `${enhanced} ${err.message}${extra}`;
      return { code, text: (stage === 'mail' || stage === 'rcpt' ? printableAddressText(text) : printable(text)).slice(0, MAX_TEXT) };
    }
  }
  // Anything unexpected is temporary: the application keeps the message and tries again, and
  // the server log has the details. Never a 250 for a message that is not on disk.
  return { code: 451, text: '4.3.0 local error while processing the command; nothing was queued; try again later' };
}

/** Whether smtpReply() had no rule for the error (the listener logs those). */
export function unexpected(err: unknown): boolean {
  return !isMailroomError(err) || BY_CODE[err.code] === undefined;
}
