import { X509Certificate } from 'node:crypto';
import { rootCertificates, type ConnectionOptions, type PeerCertificate } from 'node:tls';
import type { TlsTrust } from '../../core/senders/servers.js';

/**
 * The trust anchors of a pinned PEM, for delivery, the IMAP reader and the connection tests
 * alike. The pin is judged afterwards by fingerprint (the peer must present exactly the pinned
 * certificate, or the pinned fingerprint); the anchors only let the handshake get that far.
 * OpenSSL ends a chain only at a self-signed certificate unless partial chains are allowed:
 * without that, the server's own certificate issued by a private CA, pinned as it is, failed
 * with "unable to verify the first certificate" although the server presented exactly it. With
 * it (X509_V_FLAG_PARTIAL_CHAIN), a pinned certificate ends the chain whatever issued it, while
 * its validity dates and every signature below it are still checked. The system roots are
 * self-signed, so partial chains change nothing for them; other trust modes get none of this.
 */
export function pinnedAnchors(trust: TlsTrust): Pick<ConnectionOptions, 'ca' | 'allowPartialTrustChain'> {
  if (trust.mode !== 'pinned' || !trust.certificate) return {};
  return { ca: [...rootCertificates, trust.certificate], allowPartialTrustChain: true };
}

function subjectOf(cert: X509Certificate): string {
  return cert.subject.replace(/\n/g, ', ');
}

/**
 * Why the peer's certificate is not the pinned one, in words that say what to pin instead when
 * the pinned PEM is the CA that issued the server's certificate (a common slip: the CA's PEM
 * pinned alone, without the server's fingerprint).
 */
export function pinMismatch(trust: TlsTrust, pinned: string | undefined, peer: PeerCertificate): Error {
  const base = `the server's certificate (SHA-256 ${peer.fingerprint256}) is not the pinned one (${pinned})`;
  if (!trust.certificate || trust.fingerprint || !peer.raw) return new Error(base);
  try {
    const ca = new X509Certificate(trust.certificate);
    const leaf = new X509Certificate(peer.raw);
    if (!leaf.checkIssued(ca) || !leaf.verify(ca.publicKey)) return new Error(base);
    return new Error(
      `${base}: the pinned certificate (${subjectOf(ca)}) is the CA that issued it; pin the server's own certificate (PEM), or keep the CA's and add the server's fingerprint ${peer.fingerprint256}`,
    );
  } catch {
    return new Error(base);
  }
}
