import type { Socket } from 'node:net';
import type { DiagnosticResult, SmtpCapabilities, SmtpDiagnosticTarget, SmtpStepName } from '../core/probes/diagnostics.js';
import type { NetworkPolicy } from '../core/probes/network-policy.js';
import {
  hintForCertificate,
  hintForConnectError,
  hintForReply,
  hintForSize,
  hintForWrongTlsMode,
  hintNoAuthOffered,
  hintNoStarttls,
  type HintContext,
} from '../core/probes/smtp-hints.js';
import { dnsStep, probeTls, tcpConnect, tlsHandshake, TlsHandshakeError } from './connect.js';
import { authenticate, command, describeCapabilities, dotStuff, ehloName, parseCapabilities, serverLines, testMessage } from './smtp-session.js';
import { SmtpWire, WireClosed, WireTimeout } from './smtp-wire.js';
import { errorCode, errorMessage, StepRecorder } from './steps.js';
import { xoauth2Response } from '../delivery/smtp/guarded-connection.js';
import { hintForXoauth2 } from '../core/probes/smtp-hints.js';

const ORDER: readonly SmtpStepName[] = ['dns', 'tcp', 'tls', 'ehlo', 'starttls', 'auth', 'send'];

/** Whether a plain connection to the same address and port gets an SMTP greeting. */
async function probePlainGreeting(address: string, port: number, timeoutMs: number): Promise<boolean> {
  let socket: Socket | undefined;
  try {
    socket = await tcpConnect(address, port, timeoutMs);
    const wire = new SmtpWire(socket);
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
  if (target.auth) {
    const { user, password } = target.auth;
    const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
    rec.redactAlso(password, b64(password), b64(`\0${user}\0${password}`), xoauth2Response(user, password));
  }

  // DNS: once. The policy check happens here, before any connection.
  const address = await dnsStep(rec, { host: smtp.host, port: smtp.port, protocol: 'smtp', saved: target.saved ?? false }, policy, hc);
  if (address === undefined) return rec.finish(ORDER);

  let socket: Socket | undefined;
  let wire: SmtpWire | undefined;
  // The step in progress, which an unexpected timeout or disconnect fails.
  let phase: SmtpStepName = 'tcp';
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
        else wire = new SmtpWire(socket);
        rec.pass('tls', `${about}${c.trustMode === 'any' ? ' (NOT verified: trust mode "any")' : ''}`, { certificate: c });
        return true;
      } catch (err) {
        if (smtp.security === 'tls' && err instanceof TlsHandshakeError) {
          const plain = await probePlainGreeting(address, smtp.port, probeMs);
          rec.fail('tls', `TLS handshake failed: ${errorMessage(err)}`, { hint: hintForWrongTlsMode(hc, plain ? 'plain-works' : 'nothing') });
        } else {
          rec.fail('tls', `TLS handshake failed: ${errorMessage(err)}`, { hint: hintForCertificate(errorCode(err), hc) ?? hintForConnectError(errorCode(err), hc) });
        }
        return false;
      }
    };

    if (smtp.security === 'tls' && !(await upgrade())) return rec.finish(ORDER);
    wire ??= new SmtpWire(socket);

    // Greeting and EHLO.
    phase = 'ehlo';
    const name = ehloName(socket.localAddress);
    let caps: SmtpCapabilities;
    {
      let greeting: string;
      try {
        greeting = await wire.read(connectMs);
      } catch (err) {
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
      if (ex.reply.code !== 250) {
        rec.fail('ehlo', `EHLO refused with ${ex.reply.code}`, { reply: `${serverLines(greeting)}\n${ex.transcript}`, hint: hintForReply('ehlo', ex.reply, hc) });
        return rec.finish(ORDER);
      }
      caps = parseCapabilities(ex.reply.text);
      rec.pass('ehlo', `capabilities: ${describeCapabilities(caps)}`, { reply: `${serverLines(greeting)}\n${ex.transcript}`, capabilities: caps });
    }

    // STARTTLS, then TLS, then EHLO again over the encrypted channel.
    if (smtp.security === 'starttls') {
      const hasCredentials = Boolean(target.auth);
      if (!caps.starttls) {
        if (hasCredentials || smtp.requireTls) {
          rec.fail('starttls', 'the server does not offer STARTTLS', { hint: hintNoStarttls(hasCredentials) });
          return rec.finish(ORDER);
        }
        rec.skip('starttls', 'the server does not offer STARTTLS; requireTls is off, so mail would travel unencrypted', { hint: hintNoStarttls(false) });
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
      rec.fail('auth', 'not attempted: Mailroom never sends credentials over an unencrypted connection', { hint: hintNoStarttls(true) });
      return rec.finish(ORDER);
    } else if (!caps.auth.length) {
      rec.fail('auth', 'the server offers no AUTH mechanism', { hint: hintNoAuthOffered(hc, encrypted) });
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
      const lines: string[] = [];
      const step = async (line: string, expect: number): Promise<boolean> => {
        const ex = await command(wire!, line, commandMs);
        lines.push(ex.transcript);
        if (ex.reply.code === expect) return true;
        rec.fail('send', `${line.split(':')[0]} refused with ${ex.reply.code}${ex.reply.enhanced ? ` ${ex.reply.enhanced}` : ''}`, {
          reply: lines.join('\n'),
          hint: hintForReply('send', ex.reply, hc),
        });
        return false;
      };
      const size = caps.size !== null ? ` SIZE=${message.length}` : '';
      if (!(await step(`MAIL FROM:<${from}>${size}`, 250)) || !(await step(`RCPT TO:<${to}>`, 250)) || !(await step('DATA', 354))) return rec.finish(ORDER);
      wire.writeRaw(dotStuff(message));
      const done = await wire.read(commandMs);
      lines.push(`C: [message, ${message.length} bytes]\n${serverLines(done)}`);
      if (!done.startsWith('250')) {
        const reply = { code: Number(done.slice(0, 3)), enhanced: /^\d{3}[ -](\d\.\d{1,3}\.\d{1,3})/.exec(done)?.[1] ?? null, text: done };
        rec.fail('send', `the message was refused with ${reply.code}`, { reply: lines.join('\n'), hint: hintForReply('send', reply, hc) });
        return rec.finish(ORDER);
      }
      rec.pass('send', `${to} accepted the test message from ${from}`, { reply: lines.join('\n') });
    }
    await wire.quit();
    return rec.finish(ORDER);
  } catch (err) {
    // A reply that never came, or a connection dropped mid-conversation, fails the step in progress.
    const partial = err instanceof WireTimeout || err instanceof WireClosed ? err.partial : '';
    rec.fail(phase, errorMessage(err), { reply: partial || undefined, hint: hintForConnectError(errorCode(err), hc) });
    return rec.finish(ORDER);
  } finally {
    // The TLS socket first: destroying the plain socket under a live TLS wrap is unsafe.
    socket?.destroy();
    wire?.destroy();
  }
}
