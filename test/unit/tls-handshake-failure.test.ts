import { describe, expect, it } from 'vitest';
import { failedAfterStarttls, handshakeFailure } from '../../src/delivery/direct/tls-handshake-failure.js';
import type { SmtpFailure } from '../../src/delivery/smtp/guarded-connection.js';

/**
 * Direct delivery sends a message again without STARTTLS only after a handshake that failed
 * while the session was being opened: a TLS error later, in a transaction on a pooled session,
 * is no reason to send that message in clear.
 */
const OPENSSL = 'C0A6BB5C067F0000:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 40\n';
const failure = (extra: Partial<SmtpFailure>): SmtpFailure => Object.assign(new Error(OPENSSL), { code: 'ESOCKET', command: 'CONN' }, extra);

describe('a failed STARTTLS handshake', () => {
  it('names the alert in words instead of OpenSSL text', () => {
    expect(handshakeFailure(failure({}))).toMatch(/^the exchanger sent the TLS alert handshake_failure \(40\)/);
  });

  it('is one only while the session was being opened, before its TLS was set up', () => {
    const during = failure({ opening: { secured: false } });
    expect(failedAfterStarttls(during, handshakeFailure(during))).toBe(true);
    const afterTls = failure({ opening: { secured: true } });
    expect(failedAfterStarttls(afterTls, handshakeFailure(afterTls))).toBe(false);
    // The same OpenSSL error in a transaction of an open session (a bad record MAC at RCPT).
    const inTransaction = failure({});
    expect(failedAfterStarttls(inTransaction, handshakeFailure(inTransaction))).toBe(false);
    expect(failedAfterStarttls(failure({ opening: { secured: false }, possibleDuplicate: 'the whole message was sent' }), 'x')).toBe(false);
  });
});
