import type { Socket } from 'node:net';
import type { ImapFlow } from 'imapflow';
import type { CertificateInfo, DiagnosticResult, ImapDiagnosticTarget, ImapStepName } from '../core/probes/diagnostics.js';
import type { NetworkPolicy } from '../core/probes/network-policy.js';
import { hintForCertificate, hintForConnectError, type HintContext } from '../core/probes/smtp-hints.js';
import { dnsStep, tcpConnect, tlsHandshake } from './connect.js';
import { CERTIFICATE_CHANGED, sameCertificateTransport } from './same-certificate.js';
import { SmtpWire } from './smtp-wire.js';
import { errorCode, errorMessage, StepRecorder } from './steps.js';
import { isLoopbackHost } from '../loopback-host.js';
import { connectionClosedText } from '../inbound/connection-closed.js';

const ORDER: readonly ImapStepName[] = ['dns', 'tcp', 'tls', 'login', 'inbox'];

/** Advice for an IMAP login refusal; providers fail the same ways as over SMTP. */
function loginHint(host: string, text: string): string {
  if (/(^|\.)(gmail|googlemail|google)\.com$/.test(host) || /application-specific|support\.google/i.test(text)) {
    return 'Google refuses the account password over IMAP: create an app password (2-Step Verification must be on) and use it.';
  }
  if (/(^|\.)(office365|outlook)\.com$/.test(host)) {
    return 'Microsoft 365 refused the login: basic authentication for IMAP is disabled in most tenants; IMAP must be enabled for the mailbox and an app password or OAuth2 used.';
  }
  return 'The user name or password is wrong, or IMAP access is disabled for this mailbox. Check both; some providers need the full email address as the user name.';
}

/**
 * DNS → TCP → TLS (implicit, or STARTTLS) → LOGIN → open INBOX. The TCP/TLS steps run on a
 * raw socket so the certificate can be shown; LOGIN and INBOX go through imapflow on a second
 * connection to the same address, pinned to the certificate the TLS step saw.
 */
export async function runImapDiagnostic(target: ImapDiagnosticTarget, policy: NetworkPolicy): Promise<DiagnosticResult<ImapStepName>> {
  const { imap } = target;
  const rec = new StepRecorder<ImapStepName>();
  const hc: HintContext = { host: imap.host, port: imap.port, security: imap.security === 'none' ? 'none' : imap.security === 'tls' ? 'tls' : 'starttls', protocol: 'imap' };
  const timeoutMs = target.timeoutSec * 1000;
  // The password (or access token) and its AUTHENTICATE PLAIN and XOAUTH2 encodings: a server may echo them.
  if (target.auth) rec.redactAlso({ value: target.auth.password, user: target.auth.user });

  const address = await dnsStep(rec, { host: imap.host, port: imap.port, protocol: 'imap', saved: target.saved ?? false }, policy, hc);
  if (address === undefined) return rec.finish(ORDER);

  let socket: Socket | undefined;
  let wire: SmtpWire | undefined;
  let certificate: CertificateInfo | undefined;
  try {
    try {
      socket = await tcpConnect(address, imap.port, timeoutMs);
      rec.pass('tcp', `connected to ${address} port ${imap.port}`);
    } catch (err) {
      rec.fail('tcp', `cannot connect to ${address} port ${imap.port}: ${errorMessage(err)}`, { hint: hintForConnectError(errorCode(err), hc) });
      return rec.finish(ORDER);
    }
    const transcript: string[] = [];
    if (imap.security !== 'tls') {
      // IMAP lines: framed only, SMTP's reply rules do not apply.
      wire = new SmtpWire(socket, null);
      transcript.push(`S: ${await wire.read(timeoutMs)}`);
    }
    if (imap.security === 'none') {
      rec.skip('tls', 'not used: encryption is off for this IMAP server (security "none"), so the connection is not encrypted', { reply: transcript.join('\n') });
    } else {
      if (imap.security === 'starttls') {
        wire!.write('a1 STARTTLS');
        transcript.push('C: a1 STARTTLS');
        // Untagged lines ("* OK Waiting for authentication process…") may come first.
        let ok = '';
        for (let i = 0; i < 5 && !/^a1 /i.test(ok); i++) {
          ok = await wire!.read(timeoutMs);
          transcript.push(`S: ${ok}`);
        }
        if (!/^a1 OK/i.test(ok)) {
          rec.fail('tls', 'the server refused STARTTLS', { reply: transcript.join('\n'), hint: 'Use port 993 with security "tls", or check that the server offers STARTTLS on this port.' });
          return rec.finish(ORDER);
        }
        wire!.detach();
      }
      try {
        const out = await tlsHandshake(socket, imap.host, target.tlsTrust, timeoutMs);
        socket = out.socket;
        certificate = out.certificate;
      } catch (err) {
        rec.fail('tls', `TLS handshake failed: ${errorMessage(err)}`, {
          reply: transcript.join('\n') || undefined,
          hint: imap.security === 'tls' ? `Port ${imap.port} may not speak implicit TLS (143 uses STARTTLS; 993 implicit TLS).` : hintForConnectError(errorCode(err), hc),
        });
        return rec.finish(ORDER);
      }
      if (!certificate.trusted) {
        rec.fail('tls', `the certificate is not trusted (${certificate.trustError}) under trust mode "${certificate.trustMode}"`, {
          certificate,
          hint: hintForCertificate(certificate.trustError, hc, certificate.fingerprint256, certificate.trustMode),
        });
        return rec.finish(ORDER);
      }
      wire = new SmtpWire(socket, null);
      if (imap.security === 'tls') transcript.push(`S: ${await wire.read(timeoutMs)}`);
      rec.pass('tls', `${certificate.protocol} ${certificate.cipher}; certificate ${certificate.subject} issued by ${certificate.issuer}`, {
        certificate,
        reply: transcript.join('\n') || undefined,
      });
    }
    wire?.write('a9 LOGOUT');
  } catch (err) {
    const name = rec.steps.some((s) => s.name === 'tcp') ? 'tls' : 'tcp';
    rec.fail(name, `no greeting: ${errorMessage(err)}`, { hint: hintForConnectError(errorCode(err), hc) ?? 'The server accepted the connection but never greeted: wrong port or TLS mode (993 is implicit TLS, 143 plain/STARTTLS).' });
    return rec.finish(ORDER);
  } finally {
    socket?.destroy();
    wire?.destroy();
  }

  if (target.authFailed) {
    rec.fail('login', target.authFailed.detail, { hint: target.authFailed.hint });
    return rec.finish(ORDER);
  }
  if (!target.auth) {
    rec.skip('login', target.authUnavailable ?? 'no credentials given');
    return rec.finish(ORDER);
  }
  // The reader's rule (loopback-host.ts): unencrypted to this machine only.
  if (imap.security === 'none' && !isLoopbackHost(imap.host)) {
    rec.fail('login', 'not attempted: Mailroom never sends credentials over an unencrypted connection to another machine', { hint: 'Use port 993 with security "tls" or 143 with "starttls".' });
    return rec.finish(ORDER);
  }
  const seen = certificate?.fingerprint256;
  // Loaded on first use (~0.3 s of CPU): most processes never open an IMAP connection.
  const { ImapFlow } = await import('imapflow');
  const client = new ImapFlow({
    host: address,
    port: imap.port,
    secure: imap.security === 'tls',
    doSTARTTLS: imap.security === 'starttls',
    servername: address === imap.host ? undefined : imap.host,
    // imapflow logs in with XOAUTH2 when given an access token (an OAuth2 account's).
    auth: target.auth.mechanism === 'XOAUTH2' ? { user: target.auth.user, accessToken: target.auth.password } : { user: target.auth.user, pass: target.auth.password },
    logger: false,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    disableAutoIdle: true,
    // The TLS step judged the certificate; the second connection must present the same one
    // (compared by the transport before imapflow logs in), whatever the trust decided.
    tls: { rejectUnauthorized: false },
    ...(seen ? { transport: sameCertificateTransport(seen) } : {}),
  });
  client.on('error', () => {});
  try {
    rec.start();
    try {
      await client.connect();
    } catch (err) {
      const e = err as { authenticationFailed?: boolean; responseText?: string; serverResponseCode?: string };
      if (errorCode(err) === CERTIFICATE_CHANGED) {
        rec.fail('login', `not attempted: ${errorMessage(err)}`, { hint: 'The server answered the second connection with another certificate than the TLS step was shown. If it was just renewed, run the test again; if not, someone may be intercepting the connection: the password was not sent.' });
        return rec.finish(ORDER);
      }
      // A connection that went before the server answered refused nothing: said as such, in the reader's words.
      const closed = e.authenticationFailed ? null : connectionClosedText(err, 'the test');
      if (closed) {
        rec.fail('login', `not completed: ${closed}`, { hint: hintForConnectError(errorCode(err), hc) ?? 'The server closed the connection before answering the login: it may be restarting, limit connections per user or address, or a proxy is in the way. Try again; if it repeats, look at the server\'s log.' });
        return rec.finish(ORDER);
      }
      const text = e.responseText ?? errorMessage(err);
      rec.fail('login', `login as ${target.auth.user} refused: ${text}`, { reply: text, hint: e.authenticationFailed ? loginHint(imap.host, text) : hintForConnectError(errorCode(err), hc) });
      return rec.finish(ORDER);
    }
    rec.pass('login', `logged in as ${target.auth.user}`);
    await openFolders(rec, client, target.folders ?? ['INBOX'], target.moveTo);
    return rec.finish(ORDER);
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/**
 * The `inbox` step: opens, read-only, every folder the account reads (INBOX when it names none)
 * and checks that the folder its stored mail is moved to exists, so a test that passes means
 * the IMAP reader can start; a folder missing there stops the reader (inbound.md).
 */
async function openFolders(rec: StepRecorder<ImapStepName>, client: ImapFlow, folders: readonly string[], moveTo: string | undefined): Promise<void> {
  const opened: string[] = [];
  let count = 0;
  for (const folder of folders) {
    try {
      const box = await client.mailboxOpen(folder, { readOnly: true });
      count = box.exists;
      opened.push(`${folder}: ${box.exists} messages`);
    } catch (err) {
      const hint =
        folders.length === 1 && folder === 'INBOX'
          ? 'The login works but INBOX cannot be opened: check the mailbox exists and the user may read it.'
          : `The login works but "${folder}" cannot be opened: create it on the IMAP server, or remove it from the folders to read (the account's inbound folders).`;
      rec.fail('inbox', `cannot open "${folder}": ${imapError(err)}`, { hint });
      return;
    }
  }
  if (moveTo) {
    try {
      await client.status(moveTo, { messages: true });
    } catch (err) {
      rec.fail('inbox', `${opened.join('; ')} opened read-only, but the folder "${moveTo}" that stored messages are moved to cannot be opened: ${imapError(err)}`, {
        hint: `Create "${moveTo}" on the IMAP server, or change what happens after storing a message (afterProcessing, moveTo): the reader stores nothing until the move target exists.`,
      });
      return;
    }
  }
  const single = folders.length === 1 && !moveTo;
  rec.pass('inbox', single ? `${folders[0]} opened read-only: ${count} messages` : `opened read-only: ${opened.join('; ')}${moveTo ? `; "${moveTo}" (move target) exists` : ''}`);
}

/** The server's own words for a refused SELECT/STATUS (imapflow's message is only "Command failed"). */
function imapError(err: unknown): string {
  const e = err as { responseText?: string };
  return e?.responseText || connectionClosedText(err, 'the test') || errorMessage(err);
}
