import type { Socket } from 'node:net';
import type { DiagnosticResult, SmtpCapabilities, SmtpDiagnosticTarget, SmtpStepName } from '../core/probes/diagnostics.js';
import type { NetworkPolicy } from '../core/probes/network-policy.js';
import {
  hintForCertificate,
  hintForConnectError,
  hintForProtocolViolation,
  hintForReply,
  hintForSize,
  hintForTlsHandshake,
  hintForWrongTlsMode,
  hintNoAuthOffered,
  hintNoStarttls,
  hintPlainTextLogin,
  parseReply,
  type ConversationStage,
  type HintContext,
} from '../core/probes/smtp-hints.js';
import { dnsStep, probeTls, tcpConnect, tlsHandshake, TlsHandshakeError } from './connect.js';
import { authenticate, command, describeCapabilities, dotStuff, ehloName, parseCapabilities, serverLines, testMessage } from './smtp-session.js';
import { ProtocolViolation, SmtpWire, WireClosed, WireTimeout } from './smtp-wire.js';
import { errorCode, errorMessage, StepRecorder } from './steps.js';
import { ReplyGuard } from '../delivery/smtp/reply-guard.js';
import { hintForXoauth2 } from '../core/probes/smtp-hints.js';

const ORDER: readonly SmtpStepName[] = ['dns', 'tcp', 'tls', 'ehlo', 'starttls', 'auth', 'send'];

/** Whether a plain connection to the same address and port gets an SMTP greeting. */
async function probePlainGreeting(address: string, port: number, timeoutMs: number): Promise<boolean> {
  let socket: Socket | undefined;
  try {
    socket = await tcpConnect(address, port, timeoutMs);
    const wire = new SmtpWire(socket, new ReplyGuard());
    const greeting = await wire.read(timeoutMs);
    wire.destroy();
    return /^220[ -]/.test(greeting);
  } catch {
    socket?.destroy();
    return false;
  }
}

/**
 * Runs DNS → TCP → TLS → EHLO → STARTTLS → AUTH → send against one SMTP server, stopping at
 * the first failure, and explains every failure it recognises.
 */
export async function runSmtpDiagnostic(target: SmtpDiagnosticTarget, policy: NetworkPolicy): Promise<DiagnosticResult<SmtpStepName>> {
  const { smtp } = target;
  const rec = new StepRecorder<SmtpStepName>();
  const hc: HintContext = { host: smtp.host, port: smtp.port, security: smtp.security, user: target.auth?.user };
  const connectMs = smtp.connectTimeoutSec * 1000;
  const commandMs = smtp.sendTimeoutSec * 1000;
  const probeMs = Math.min(connectMs, 5000);
  // The password (or access token) and its AUTH PLAIN, LOGIN and XOAUTH2 encodings: a server may echo them.
  if (target.auth) rec.redactAlso({ value: target.auth.password, user: target.auth.user });

  // DNS: once. The policy check happens here, before any connection.
  const address = await dnsStep(rec, { host: smtp.host, port: smtp.port, protocol: 'smtp', saved: target.saved ?? false }, policy, hc);
  if (address === undefined) return rec.finish(ORDER);

  let socket: Socket | undefined;
  let wire: SmtpWire | undefined;
  // The step in progress, which an unexpected timeout or disconnect fails.
  let phase: SmtpStepName = 'tcp';
  // How far the conversation got: a dropped connection after EHLO is not a wrong TLS mode.
  let stage: ConversationStage = 'connecting';
  // The send step's exchanges so far, shown when a failure interrupts it.
  const sendTranscript: string[] = [];
  try {
    try {
      socket = await tcpConnect(address, smtp.port, connectMs);
      rec.pass('tcp', `connected to ${address} port ${smtp.port}`);
    } catch (err) {
      rec.fail('tcp', `cannot connect to ${address} port ${smtp.port}: ${errorMessage(err)}`, { hint: hintForConnectError(errorCode(err), hc) });
      return rec.finish(ORDER);
    }

    let encrypted = false;
    const upgrade = async (): Promise<boolean> => {
      phase = 'tls';
      try {
        const raw = wire ? wire.detach() : socket!;
        const out = await tlsHandshake(raw, smtp.host, smtp.tlsTrust, connectMs);
        socket = out.socket;
        const c = out.certificate;
        const about = `${c.protocol ?? 'TLS'} ${c.cipher ?? ''}; certificate ${c.subject} issued by ${c.issuer}, valid ${c.validFrom} to ${c.validTo}`;
        if (!c.trusted) {
          rec.fail('tls', `TLS established but the certificate is not trusted (${c.trustError}) under trust mode "${c.trustMode}": ${about}`, {
            certificate: c,
            hint: hintForCertificate(c.trustError, hc, c.fingerprint256, c.trustMode),
          });
          return false;
        }
        encrypted = true;
        if (wire) wire.attach(socket);
        else wire = new SmtpWire(socket, new ReplyGuard());
        rec.pass('tls', `${about}${c.trustMode === 'any' ? ' (NOT verified: trust mode "any")' : ''}`, { certificate: c });
        return true;
      } catch (err) {
        if (smtp.security === 'tls' && err instanceof TlsHandshakeError) {
          const plain = await probePlainGreeting(address, smtp.port, probeMs);
          rec.fail('tls', `TLS handshake failed: ${errorMessage(err)}`, { hint: hintForWrongTlsMode(hc, plain ? 'plain-works' : 'nothing') });
        } else {
          // Mostly after STARTTLS (a failed implicit-TLS handshake goes above): a reset here is the server hanging up mid-handshake, not a wrong TLS mode or a refused certificate.
          rec.fail('tls', `TLS handshake failed: ${errorMessage(err)}`, { hint: hintForCertificate(errorCode(err), hc) ?? hintForTlsHandshake(errorCode(err), hc, smtp.security === 'tls' ? 'implicit' : 'starttls') });
        }
        return false;
      }
    };

    if (smtp.security === 'tls' && !(await upgrade())) return rec.finish(ORDER);
    wire ??= new SmtpWire(socket, new ReplyGuard());

    // Greeting and EHLO.
    phase = 'ehlo';
    const name = ehloName(socket.localAddress);
    let caps: SmtpCapabilities;
    // The server refused EHLO and answered HELO: it announces no extensions (no STARTTLS, no AUTH, no SIZE).
    let heloOnly = false;
    {
      let greeting: string;
      try {
        greeting = await wire.read(connectMs);
      } catch (err) {
        if (err instanceof ProtocolViolation) throw err;
        if (err instanceof WireTimeout && smtp.security !== 'tls') {
          const tlsWorks = await probeTls(address, smtp.port, probeMs);
          rec.fail('ehlo', `connected, but the server sent no greeting within ${smtp.connectTimeoutSec} s`, {
            reply: err.partial || undefined,
            hint: hintForWrongTlsMode(hc, tlsWorks ? 'tls-works' : 'nothing'),
          });
        } else {
          const partial = err instanceof WireTimeout || err instanceof WireClosed ? err.partial : '';
          rec.fail('ehlo', `no greeting: ${errorMessage(err)}`, { reply: partial || undefined, hint: hintForConnectError(errorCode(err), hc) });
        }
        return rec.finish(ORDER);
      }
      const g = greeting.slice(0, 3);
      if (g !== '220') {
        rec.fail('ehlo', `the server greeted with ${g} instead of 220: it refuses this client`, {
          reply: serverLines(greeting),
          hint: hintForReply('ehlo', { code: Number(g), enhanced: null, text: greeting }, hc) ?? 'The server refuses connections from this machine (policy, reputation or overload).',
        });
        return rec.finish(ORDER);
      }
      const ex = await command(wire, `EHLO ${name}`, commandMs);
      const said = `${serverLines(greeting)}\n${ex.transcript}`;
      const refusal = `EHLO refused with ${ex.reply.code}${ex.reply.enhanced ? ` ${ex.reply.enhanced}` : ''}`;
      // RFC 5321 §3.2: a server that does not know EHLO refuses it, and the client says HELO instead.
      // Delivery (nodemailer) does so after any refusal but 421 (the server is closing), unless STARTTLS
      // is required: HELO announces no extensions, so STARTTLS could not follow.
      const startTlsRequired = smtp.security === 'starttls' && (Boolean(target.auth) || smtp.requireTls);
      if (ex.reply.code !== 250 && ex.reply.code !== 421 && startTlsRequired) {
        rec.fail('ehlo', `${refusal}: the server does not speak ESMTP, and HELO (the fallback) offers no STARTTLS, which security "starttls" requires here (${target.auth ? 'credentials are given' : 'requireTls is on'})`, {
          reply: said,
          hint: hintForReply('ehlo', ex.reply, hc) ?? hintNoStarttls(Boolean(target.auth), true),
        });
        return rec.finish(ORDER);
      }
      if (ex.reply.code !== 250 && ex.reply.code !== 421) {
        const helo = await command(wire, `HELO ${name}`, commandMs);
        if (helo.reply.code !== 250) {
          rec.fail('ehlo', `${refusal}, and HELO refused with ${helo.reply.code}${helo.reply.enhanced ? ` ${helo.reply.enhanced}` : ''}`, { reply: `${said}\n${helo.transcript}`, hint: hintForReply('ehlo', helo.reply, hc) });
          return rec.finish(ORDER);
        }
        heloOnly = true;
        caps = parseCapabilities(''); // none: HELO's reply lists no extensions
        rec.pass('ehlo', `${refusal}; HELO accepted instead, as delivery does: the server announces no extensions (no STARTTLS, no AUTH, no SIZE)`, {
          reply: `${said}\n${helo.transcript}`,
          capabilities: caps,
        });
      } else if (ex.reply.code !== 250) {
        rec.fail('ehlo', `EHLO refused with ${ex.reply.code}`, { reply: said, hint: hintForReply('ehlo', ex.reply, hc) });
        return rec.finish(ORDER);
      } else {
        caps = parseCapabilities(ex.reply.text);
        rec.pass('ehlo', `capabilities: ${describeCapabilities(caps)}`, { reply: said, capabilities: caps });
      }
      stage = 'session';
    }

    // STARTTLS, then TLS, then EHLO again over the encrypted channel.
    if (smtp.security === 'starttls') {
      const hasCredentials = Boolean(target.auth);
      if (!caps.starttls) {
        if (hasCredentials || smtp.requireTls) {
          rec.fail('starttls', 'the server does not offer STARTTLS', { hint: hintNoStarttls(hasCredentials) });
          return rec.finish(ORDER);
        }
        rec.skip('starttls', `the server does not offer STARTTLS${heloOnly ? ' (it answered HELO only)' : ''}; requireTls is off, so mail would travel unencrypted`, { hint: hintNoStarttls(false, heloOnly) });
        rec.skip('tls', 'no TLS: STARTTLS is not offered');
      } else {
        phase = 'starttls';
        const ex = await command(wire, 'STARTTLS', commandMs);
        if (ex.reply.code !== 220) {
          rec.fail('starttls', `STARTTLS refused with ${ex.reply.code}`, { reply: ex.transcript, hint: hintForReply('starttls', ex.reply, hc) });
          return rec.finish(ORDER);
        }
        rec.pass('starttls', 'STARTTLS accepted', { reply: ex.transcript });
        if (!(await upgrade())) return rec.finish(ORDER);
        phase = 'tls';
        const again = await command(wire, `EHLO ${name}`, commandMs);
        if (again.reply.code !== 250) {
          rec.fail('ehlo', `EHLO after STARTTLS refused with ${again.reply.code}`, { reply: again.transcript, hint: hintForReply('ehlo', again.reply, hc) });
          return rec.finish(ORDER);
        }
        caps = parseCapabilities(again.reply.text);
        const tlsStep = rec.steps[rec.steps.length - 1];
        tlsStep.capabilities = caps;
        tlsStep.reply = `${again.transcript}`;
        tlsStep.detail += `; capabilities after TLS: ${describeCapabilities(caps)}`;
      }
    } else if (smtp.security === 'tls') {
      rec.skip('starttls', 'not needed: the connection uses implicit TLS');
    } else {
      rec.skip('starttls', `not used: encryption is off for this server (security "none")${caps.starttls ? ', although the server offers STARTTLS' : ''}`);
      rec.skip('tls', 'not used: encryption is off for this server (security "none"), so the connection is not encrypted');
    }

    // AUTH.
    phase = 'auth';
    if (target.authFailed) {
      rec.fail('auth', target.authFailed.detail, { hint: target.authFailed.hint });
      return rec.finish(ORDER);
    } else if (!target.auth) {
      rec.skip('auth', target.authUnavailable ?? 'no credentials given');
    } else if (!encrypted) {
      rec.fail('auth', 'not attempted: Mailroom never sends credentials over an unencrypted connection', { hint: hintPlainTextLogin(caps.starttls, heloOnly) });
      return rec.finish(ORDER);
    } else if (!caps.auth.length) {
      rec.fail('auth', `the server offers no AUTH mechanism${heloOnly ? ' (it answered HELO only, which announces none)' : ''}`, { hint: hintNoAuthOffered(hc, encrypted) });
      return rec.finish(ORDER);
    } else {
      const xoauth2 = target.auth.mechanism === 'XOAUTH2';
      const r = await authenticate(wire, caps.auth, target.auth.user, target.auth.password, commandMs, xoauth2);
      if ('unsupported' in r && xoauth2) {
        rec.fail('auth', `the server offers only ${caps.auth.join(', ')}, not XOAUTH2`, { hint: 'This account logs in with OAuth2: use the provider\'s endpoint that accepts it (smtp.office365.com or smtp.gmail.com, port 587).' });
        return rec.finish(ORDER);
      }
      if ('unsupported' in r) {
        rec.fail('auth', `the server offers only ${caps.auth.join(', ')}; Mailroom uses PLAIN or LOGIN`, {
          hint: 'Enable AUTH PLAIN or LOGIN on the server (over TLS), or use the provider\'s SMTP submission endpoint.',
        });
        return rec.finish(ORDER);
      }
      if (r.reply.code !== 235) {
        rec.fail('auth', `${r.mechanism} authentication as ${target.auth.user} refused with ${r.reply.code}${r.reply.enhanced ? ` ${r.reply.enhanced}` : ''}${r.challenge ? ` (the server said ${r.challenge})` : ''}`, {
          reply: r.transcript,
          hint: xoauth2 ? hintForXoauth2(r.reply, r.challenge) : hintForReply('auth', r.reply, hc),
        });
        return rec.finish(ORDER);
      }
      rec.pass('auth', `authenticated as ${target.auth.user} with ${r.mechanism}`, { reply: r.transcript });
    }

    // A real message, when asked for.
    phase = 'send';
    if (!target.send) {
      rec.skip('send', 'no test message requested (give send.from and send.to)');
    } else {
      const { from, to } = target.send;
      const message = await testMessage(from, to, smtp.host);
      const tooBig = caps.size ? hintForSize(caps.size, message.length) : undefined;
      if (tooBig) {
        rec.fail('send', 'the message is larger than the server accepts', { hint: tooBig });
        return rec.finish(ORDER);
      }
      const lines = sendTranscript;
      const step = async (line: string, expect: readonly number[]): Promise<boolean> => {
        const ex = await command(wire!, line, commandMs);
        lines.push(ex.transcript);
        if (expect.includes(ex.reply.code)) return true;
        rec.fail('send', `${line.split(':')[0]} refused with ${ex.reply.code}${ex.reply.enhanced ? ` ${ex.reply.enhanced}` : ''}`, {
          reply: lines.join('\n'),
          hint: hintForReply('send', ex.reply, hc),
        });
        return false;
      };
      const size = caps.size !== null ? ` SIZE=${message.length}` : '';
      // 251: the server takes the recipient and forwards it (RFC 5321 §3.4), as good as 250.
      if (!(await step(`MAIL FROM:<${from}>${size}`, [250])) || !(await step(`RCPT TO:<${to}>`, [250, 251])) || !(await step('DATA', [354]))) return rec.finish(ORDER);
      stage = 'message';
      wire.writeMessage(dotStuff(message));
      lines.push(`C: [message, ${message.length} bytes]`);
      const done = await wire.read(commandMs);
      lines.push(serverLines(done));
      const reply = parseReply(done);
      if (reply.code !== 250) {
        rec.fail('send', `the message was refused with ${reply.code}`, { reply: lines.join('\n'), hint: hintForReply('send', reply, hc) });
        return rec.finish(ORDER);
      }
      rec.pass('send', `${to} accepted the test message from ${from}`, { reply: lines.join('\n') });
    }
    await wire.quit();
    return rec.finish(ORDER);
  } catch (err) {
    const transcript = phase === 'send' ? sendTranscript : [];
    if (err instanceof ProtocolViolation) {
      // Delivery ends the session here too (ReplyGuard): name the rule broken and the server's words.
      const { reason, reply } = err.violation;
      const detail = reason.includes(reply) ? err.message : `${err.message}; the server said: ${reply.split('\n').join(' | ')}`;
      rec.fail(phase, detail, { reply: [...transcript, serverLines(reply)].join('\n'), hint: hintForProtocolViolation() });
      return rec.finish(ORDER);
    }
    // A reply that never came, or a connection dropped mid-conversation, fails the step in progress.
    const partial = err instanceof WireTimeout || err instanceof WireClosed ? err.partial : '';
    const reply = [...transcript, ...(partial ? [serverLines(partial)] : [])].join('\n');
    rec.fail(phase, errorMessage(err), { reply: reply || undefined, hint: hintForConnectError(errorCode(err), hc, stage) });
    return rec.finish(ORDER);
  } finally {
    // The TLS socket first: destroying the plain socket under a live TLS wrap is unsafe.
    socket?.destroy();
    wire?.destroy();
  }
}
