import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import path from 'node:path';
import type { RelayConfig } from '../config.js';
import { ensureDirectory } from '../ensure-directory.js';
import { ErrorCodes, MailroomError } from '../core/kernel/errors.js';
import { ownerOnlyFile } from '../owner-only-file.js';
import { whyUnreadable } from '../unreadable-file.js';

/** The relay's TLS certificate as the status page shows it (never the key). */
export interface CertificateInfo {
  source: 'configured' | 'self-signed';
  /** The PEM file it was read from. */
  file: string;
  /** SHA-256 of the DER certificate, "AB:CD:…": what a client pins. */
  fingerprint256: string;
  subject: string;
  /**
   * The names a client may connect by, its subjectAltName DNS names and IP addresses in their
   * order: a client that checks the name (as it should) refuses a host not among them.
   */
  names: string[];
  validFromAt: number;
  expiresAt: number;
}

export interface RelayCertificate extends CertificateInfo {
  cert: string;
  key: string;
}

/** Where the relay keeps the self-signed certificate it made, and its key. */
function selfSignedFiles(dataDir: string): { dir: string; certFile: string; keyFile: string } {
  const dir = path.join(dataDir, 'relay-tls');
  return { dir, certFile: path.join(dir, 'cert.pem'), keyFile: path.join(dir, 'key.pem') };
}

/**
 * The self-signed pair kept in the data directory, read and checked before the start opens the
 * store (src/cli: a damaged pair stopped the start with a stack trace, after the migrations and
 * the first admin), and again when the relay starts. None kept yet: nothing to check.
 */
export function checkKeptCertificate(relay: RelayConfig, dataDir: string): void {
  const { certFile, keyFile } = selfSignedFiles(dataDir);
  if (!relay.tls && existsSync(certFile) && existsSync(keyFile)) keptPair(dataDir);
}

/**
 * The kept pair, or MAILROOM_E_CONFIG naming the file and what to do. A pair that cannot be
 * parsed is not replaced by a new one on its own: clients pin its fingerprint (the status page
 * and the banner show it), and a file that is no certificate of ours may be one an operator put
 * there meaning the relay to use it (MAILROOM_RELAY_TLS_CERT / _KEY are the way). Deleting the
 * two files makes the next start make a new pair, as on the first start.
 */
function keptPair(dataDir: string): RelayCertificate {
  const { dir, certFile, keyFile } = selfSignedFiles(dataDir);
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new MailroomError(ErrorCodes.CONFIG, `cannot read the SMTP relay's ${what} ${file}: ${whyUnreadable(err)}`);
    }
  };
  const cert = read(certFile, 'self-signed certificate');
  const key = read(keyFile, 'private key');
  const damaged = (file: string, what: string, err: unknown) =>
    new MailroomError(
      ErrorCodes.CONFIG,
      `the SMTP relay's self-signed certificate in ${dir} cannot be used: ${file} is ${what} (${(err as Error).message}); ` +
        `delete ${certFile} and ${keyFile} and start again to have a new pair made (clients that pin the old fingerprint then need the new one), ` +
        'or set MAILROOM_RELAY_TLS_CERT and MAILROOM_RELAY_TLS_KEY to a certificate of your own',
    );
  let described: RelayCertificate;
  try {
    described = describe(cert, key, 'self-signed', certFile);
  } catch (err) {
    throw damaged(certFile, 'not a PEM certificate', err);
  }
  let matches: boolean;
  try {
    matches = new X509Certificate(cert).checkPrivateKey(createPrivateKey(key));
  } catch (err) {
    throw damaged(keyFile, 'not a PEM private key', err);
  }
  if (!matches) throw damaged(keyFile, 'not the key of that certificate', new Error('the key does not match'));
  return described;
}

/** A self-signed certificate lives this long; the status page shows when it ends. */
const SELF_SIGNED_DAYS = 5 * 365;

function describe(cert: string, key: string, source: CertificateInfo['source'], file: string): RelayCertificate {
  const x = new X509Certificate(cert);
  return { cert, key, source, file, fingerprint256: x.fingerprint256, subject: x.subject.replace(/\n/g, ', '), names: namesOf(x.subjectAltName), validFromAt: Date.parse(x.validFrom), expiresAt: Date.parse(x.validTo) };
}

/** "DNS:mail-1, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1" as ["mail-1", "127.0.0.1", "::1"]: DNS names and addresses, IPv6 written short. */
function namesOf(subjectAltName: string | undefined): string[] {
  const names: string[] = [];
  for (const entry of (subjectAltName ?? '').split(', ')) {
    const colon = entry.indexOf(':');
    const kind = entry.slice(0, colon);
    const value = entry.slice(colon + 1);
    if (kind === 'DNS' && value) names.push(value);
    else if (kind === 'IP Address' && isIP(value)) names.push(isIP(value) === 6 ? new URL(`http://[${value}]`).hostname.slice(1, -1) : value);
  }
  return names;
}

/** Names a client may reach the relay by: this machine's name, localhost, loopback and the listen address. */
function altNames(listenHost: string): { type: 2 | 7; value?: string; ip?: string }[] {
  const names: { type: 2 | 7; value?: string; ip?: string }[] = [
    { type: 2, value: hostname() },
    { type: 2, value: 'localhost' },
    { type: 7, ip: '127.0.0.1' },
    { type: 7, ip: '::1' },
  ];
  if (isIP(listenHost) && !['0.0.0.0', '::', '127.0.0.1', '::1'].includes(listenHost)) names.push({ type: 7, ip: listenHost });
  if (!isIP(listenHost) && listenHost !== hostname() && listenHost !== 'localhost') names.push({ type: 2, value: listenHost });
  return names;
}

/**
 * The certificate of MAILROOM_RELAY_TLS_CERT / _KEY (read and checked by the configuration),
 * or a self-signed one made on the first start and kept in the data directory (relay-tls/, the
 * key 0600), so its fingerprint stays the same across restarts and clients can pin it. One that
 * has expired is replaced (`renewed` says so, for the start-up log). A kept key an earlier
 * version, a copy or a restore left readable by others is made 0600; one whose mode cannot be
 * changed is named to `warn` (the relay still starts with it).
 */
export async function relayCertificate(
  relay: RelayConfig,
  dataDir: string,
  now = Date.now(),
  warn: (message: string) => void = (m) => process.emitWarning(m),
): Promise<RelayCertificate & { renewed: boolean; created: boolean }> {
  if (relay.tls) return { ...describe(relay.tls.cert, relay.tls.key, 'configured', relay.tls.certFile), renewed: false, created: false };
  const { dir, certFile, keyFile } = selfSignedFiles(dataDir);
  let expired = false;
  if (existsSync(certFile) && existsSync(keyFile)) {
    ownerOnlyFile(keyFile, warn);
    const kept = keptPair(dataDir);
    if (kept.expiresAt > now) return { ...kept, renewed: false, created: false };
    expired = true;
  }
  ensureDirectory(dir, "relay's certificate directory");
  const notBeforeDate = new Date(now - 60_000);
  // Imported here, not at the top: selfsigned and its ASN.1 stack take ~0.4 s of CPU to load, and
  // only a first start (or an expired certificate) needs them.
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: hostname() }, { name: 'organizationName', value: 'Mailroom SMTP relay (self-signed)' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate: new Date(notBeforeDate.getTime() + SELF_SIGNED_DAYS * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: altNames(relay.host) },
    ],
  });
  // A new file, so the mode applies from its first byte: writing into the expired key's file
  // would keep that file's mode, however wide, at least until a chmod after the write.
  rmSync(keyFile, { force: true });
  writeFileSync(keyFile, pems.private, { mode: 0o600, flag: 'wx' });
  writeFileSync(certFile, pems.cert, { mode: 0o644 });
  return { ...describe(pems.cert, pems.private, 'self-signed', certFile), renewed: expired, created: !expired };
}
