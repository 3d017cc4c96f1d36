import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import type { ImapTransport, ImapTransportOptions } from 'imapflow';

/** The error code of a connection that met another certificate than the one it must meet. */
export const CERTIFICATE_CHANGED = 'CERTIFICATE_CHANGED';

/**
 * An imapflow transport whose TLS connections (implicit, or after STARTTLS) must present the
 * certificate whose SHA-256 fingerprint is `fingerprint256`: the diagnostics' login connection
 * must meet the server its TLS step judged. Compared once the handshake is done and before
 * imapflow hears that the connection is up, so no credential reaches another server, whatever
 * the trust decided. Not with `checkServerIdentity`: Node calls it only for a certificate whose
 * chain it verified (never a self-signed one), and under `rejectUnauthorized: false` its error
 * does not even end the connection.
 */
export function sameCertificateTransport(fingerprint256: string): ImapTransport {
  const secure = (o: ImapTransportOptions, extra: ConnectionOptions, ready: () => void): TLSSocket => {
    const socket = tlsConnect({ ...o.tls, ...extra, host: o.host, port: o.port, ...(o.servername ? { servername: o.servername } : {}) }, () => {
      const seen = socket.getPeerCertificate()?.fingerprint256;
      if (seen === fingerprint256) return ready();
      const err = Object.assign(new Error(`certificate changed between connections: the TLS step was shown ${fingerprint256}, this connection ${seen || 'no certificate'}`), { code: CERTIFICATE_CHANGED });
      socket.destroy(err);
    });
    return socket;
  };
  return {
    connect: (o, onConnect) => (o.secure ? secure(o, {}, onConnect) : netConnect({ host: o.host, port: o.port }, onConnect)),
    upgrade: (plain, o, onSecure) => secure(o, { socket: plain as Socket }, onSecure),
  };
}
