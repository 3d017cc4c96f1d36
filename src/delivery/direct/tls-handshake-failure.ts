import type { SmtpFailure } from '../smtp/guarded-connection.js';

/**
 * A failed TLS handshake in words a person reads. OpenSSL's own text
 * ("C0A6BB5C067F0000:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake
 * failure:../deps/openssl/…:SSL alert number 40") says it all but no admin can use it: what
 * matters is the TLS alert (RFC 8446 §6) the exchanger sent, by its name, or OpenSSL's reason.
 */

/** TLS alert descriptions (RFC 8446 §6, RFC 5246 §7.2) by number. */
const ALERTS: Record<number, string> = {
  0: 'close_notify',
  10: 'unexpected_message',
  20: 'bad_record_mac',
  22: 'record_overflow',
  40: 'handshake_failure',
  42: 'bad_certificate',
  43: 'unsupported_certificate',
  44: 'certificate_revoked',
  45: 'certificate_expired',
  46: 'certificate_unknown',
  47: 'illegal_parameter',
  48: 'unknown_ca',
  49: 'access_denied',
  50: 'decode_error',
  51: 'decrypt_error',
  70: 'protocol_version',
  71: 'insufficient_security',
  80: 'internal_error',
  86: 'inappropriate_fallback',
  90: 'user_canceled',
  109: 'missing_extension',
  110: 'unsupported_extension',
  112: 'unrecognized_name',
  113: 'bad_certificate_status_response',
  115: 'unknown_psk_identity',
  116: 'certificate_required',
  120: 'no_application_protocol',
};

/** What an alert or a local reason usually means for a mail exchanger. */
const MEANING: Record<string, string> = {
  handshake_failure: 'it accepts none of the cipher suites and parameters offered',
  protocol_version: 'it speaks only TLS versions older than TLS 1.2',
  insufficient_security: 'it accepts only cipher suites stronger or other than those offered',
  'unsupported protocol': 'it speaks only TLS versions older than TLS 1.2',
  'wrong version number': 'it did not answer with TLS at all',
  'no shared cipher': 'it accepts none of the cipher suites offered',
};

/** OpenSSL's error line: "<thread>:error:<code>:SSL routines:<function>:<reason>:<file>:<line>:<extra>". */
const OPENSSL_LINE = /[0-9A-F]{8,}:error:[0-9A-F]{8}:SSL routines:[^:]*:([^:]+):/;

/**
 * A failed handshake's reason, readable, e.g. "the exchanger sent the TLS alert
 * handshake_failure (40): it accepts none of the cipher suites and parameters offered"; null when
 * `err` is no handshake failure OpenSSL reported (a refused STARTTLS, a certificate check, a
 * timeout keep their own words).
 */
export function handshakeFailure(err: SmtpFailure): string | null {
  const text = err.message ?? '';
  const alert = /SSL alert number (\d+)/.exec(text);
  const reason = OPENSSL_LINE.exec(text)?.[1]?.trim();
  const sslCode = `${err.code ?? ''} ${err.originalCode ?? ''}`;
  if (!alert && !reason && !/ERR_SSL_/.test(sslCode)) return null;
  if (alert) {
    const n = Number(alert[1]);
    const name = ALERTS[n] ?? 'an unknown alert';
    return `the exchanger sent the TLS alert ${name} (${n})${MEANING[name] ? `: ${MEANING[name]}` : ''}`;
  }
  const why = reason ?? /ERR_SSL_([A-Z0-9_]+)/.exec(sslCode)?.[1]?.toLowerCase().replace(/_/g, ' ') ?? 'unknown';
  return `the handshake stopped (${why})${MEANING[why] ? `: ${MEANING[why]}` : ''}`;
}

/**
 * Whether a session that failed this way never carried the transaction: the exchanger answered
 * STARTTLS with 220 and the handshake that followed failed (no reply code of its own, no message
 * sent). Only then may the same exchanger be asked again, on a new connection without STARTTLS.
 */
export function failedAfterStarttls(err: SmtpFailure, readable: string | null): boolean {
  if (err.responseCode || err.possibleDuplicate || err.protocolViolation) return false;
  // A TLS error in a transaction (a pooled session's bad record MAC at RCPT) is no failed
  // handshake: sending that message again in clear would be a downgrade for nothing.
  if (!err.opening || err.opening.secured) return false;
  // nodemailer: "Error initiating TLS - …" (ETLS, STARTTLS); the TLS socket's own error (ESOCKET with the
  // OpenSSL text); the connection closed while upgrading (ETLS, CONN).
  return readable !== null || (err.code === 'ETLS' && (err.command === 'STARTTLS' || /upgrad|initiating TLS|closed unexpectedly/i.test(err.message)));
}
