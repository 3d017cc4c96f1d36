import { X509Certificate } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import tls from 'node:tls';
import type { CertificateInfo } from '../core/probes/diagnostics.js';
import { targetRefused } from '../core/probes/diagnostics.js';
import { isMailroomError } from '../core/kernel/errors.js';
import { checkTarget, parseIp, type DiagnosticTarget, type NetworkPolicy } from '../core/probes/network-policy.js';
import { hintForConnectError, type HintContext } from '../core/probes/smtp-hints.js';
import { errorCode, errorMessage, type StepRecorder } from './steps.js';
import { normalizeFingerprint, type TlsTrust } from '../core/senders/servers.js';
import { pinnedAnchors } from '../delivery/smtp/tls-trust.js';

/**
 * Resolves the host ONCE and checks the address against the SSRF policy; every connection
 * of the diagnostic then goes to this address, so a DNS answer that changes between check
 * and connect (rebinding) cannot redirect it. Throws TARGET_NOT_ALLOWED before any
 * connection is attempted, so the refusal is the same whether a port is open or closed.
 */
export async function resolveTarget(target: DiagnosticTarget, policy: NetworkPolicy): Promise<{ address: string; looked: boolean }> {
  const host = target.host;
  const literal = parseIp(host);
  let address: string;
  if (literal) address = host.replace(/^\[|\]$/g, '');
  else address = (await lookup(host, { verbatim: true })).address;
  const verdict = checkTarget(policy, target, address);
  if (!verdict.allowed) throw targetRefused(target, address, verdict.class);
  return { address, looked: !literal };
}

/**
 * The "dns" step of every diagnostic: resolve once and apply the policy (a refusal is thrown,
 * not recorded: the caller answers 403). Returns the address, or undefined after recording a
 * failed lookup with its hint.
 */
export async function dnsStep(rec: StepRecorder<'dns' | string>, target: DiagnosticTarget, policy: NetworkPolicy, hc: HintContext): Promise<string | undefined> {
  const host = target.host;
  try {
    const r = await resolveTarget(target, policy);
    rec.pass('dns', r.looked ? `${host} resolves to ${r.address}` : `${host} is an address; no lookup needed`, { address: r.address });
    return r.address;
  } catch (err) {
    if (isMailroomError(err)) throw err;
    rec.fail('dns', `cannot resolve ${host}: ${errorMessage(err)}`, { hint: hintForConnectError(errorCode(err) ?? 'ENOTFOUND', hc) });
    return undefined;
  }
}

export class ConnectTimeout extends Error {
  readonly code = 'CONNECT_TIMEOUT';
  constructor(ms: number) {
    super(`no TCP connection within ${Math.round(ms / 1000)} s`);
  }
}

export function tcpConnect(address: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ConnectTimeout(timeoutMs));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      // Whoever reads the socket next adds its own handler; this one keeps a late error from
      // becoming an uncaught exception in between.
      socket.on('error', () => {});
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

export interface TlsOutcome {
  socket: tls.TLSSocket;
  certificate: CertificateInfo;
}

export class TlsHandshakeError extends Error {
  constructor(message: string, readonly code: string | undefined) {
    super(message);
  }
}

/**
 * TLS over an open socket (implicit TLS right after connect, or after STARTTLS). The
 * handshake itself accepts any certificate, so the diagnostic can show it; trust is judged
 * afterwards under the server's mode, exactly as delivery would judge it.
 */
export function tlsHandshake(socket: net.Socket, host: string, trust: TlsTrust, timeoutMs: number): Promise<TlsOutcome> {
  return new Promise((resolve, reject) => {
    const servername = parseIp(host) ? undefined : host;
    // A pinned PEM is a trust anchor for delivery and the IMAP reader (tlsOptions): the chain is
    // judged against the same anchors here, so `authorized` says what their handshake would.
    // `authorized` is the chain alone: the host name is judged by certificateInfo (system trust
    // only; a pin replaces it, as in delivery).
    const secure = tls.connect({ socket, servername, rejectUnauthorized: false, minVersion: 'TLSv1.2', checkServerIdentity: () => undefined, ...pinnedAnchors(trust) });
    const timer = setTimeout(() => {
      secure.destroy();
      reject(new TlsHandshakeError(`no TLS handshake within ${Math.round(timeoutMs / 1000)} s`, 'TLS_TIMEOUT'));
    }, timeoutMs);
    secure.once('secureConnect', () => {
      clearTimeout(timer);
      secure.removeAllListeners('error');
      secure.on('error', () => {});
      resolve({ socket: secure, certificate: certificateInfo(secure, host, trust) });
    });
    secure.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new TlsHandshakeError(err.message, err.code));
    });
  });
}

function dn(o: Record<string, string | string[]> | undefined): string {
  if (!o) return '';
  return Object.entries(o)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ');
}

function pinMatches(trust: TlsTrust, fingerprint256: string): boolean {
  if (trust.fingerprint && normalizeFingerprint(trust.fingerprint) === fingerprint256) return true;
  if (trust.certificate) {
    try {
      return new X509Certificate(trust.certificate).fingerprint256 === fingerprint256;
    } catch {
      return false;
    }
  }
  return false;
}

export function certificateInfo(secure: tls.TLSSocket, host: string, trust: TlsTrust): CertificateInfo {
  const peer = secure.getPeerCertificate();
  const fingerprint256 = peer.fingerprint256 ?? '';
  const base = {
    subject: dn(peer.subject as unknown as Record<string, string>),
    issuer: dn(peer.issuer as unknown as Record<string, string>),
    subjectAltNames: (peer.subjectaltname ?? '').split(/,\s*/).filter(Boolean),
    validFrom: peer.valid_from ? new Date(peer.valid_from).toISOString() : '',
    validTo: peer.valid_to ? new Date(peer.valid_to).toISOString() : '',
    fingerprint256,
    trustMode: trust.mode,
    protocol: secure.getProtocol() ?? undefined,
    cipher: secure.getCipher()?.name,
  };
  if (trust.mode === 'any') return { ...base, trusted: true };
  const chainError = () => {
    const err = secure.authorizationError as unknown as Error | string | undefined;
    return typeof err === 'string' ? err : ((err as NodeJS.ErrnoException | undefined)?.code ?? err?.message);
  };
  if (trust.mode === 'pinned') {
    if (!pinMatches(trust, fingerprint256)) return { ...base, trusted: false, trustError: 'PIN_MISMATCH' };
    // As delivery and the IMAP reader judge it (tlsOptions): the pin replaces the host name
    // check, not the chain, which must verify against the system CAs and a pinned PEM. A
    // self-signed certificate pinned by its fingerprint alone passed here and failed there.
    return secure.authorized ? { ...base, trusted: true } : { ...base, trusted: false, trustError: chainError() };
  }
  // System trust: the chain must verify against the CA store AND name this host.
  if (!secure.authorized) return { ...base, trusted: false, trustError: chainError() };
  const nameError = tls.checkServerIdentity(host, peer);
  if (nameError) return { ...base, trusted: false, trustError: (nameError as NodeJS.ErrnoException).code ?? 'HOSTNAME_MISMATCH' };
  return { ...base, trusted: true };
}

/** Whether the peer speaks TLS at all: used to say "this port expects implicit TLS". */
export async function probeTls(address: string, port: number, timeoutMs: number): Promise<boolean> {
  let raw: net.Socket | undefined;
  try {
    raw = await tcpConnect(address, port, timeoutMs);
    const out = await tlsHandshake(raw, address, { mode: 'any' }, timeoutMs);
    out.socket.destroy();
    return true;
  } catch {
    raw?.destroy();
    return false;
  }
}
