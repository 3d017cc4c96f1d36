import os from 'node:os';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { SmtpCapabilities } from '../core/probes/diagnostics.js';
import { parseReply, type SmtpReply } from '../core/probes/smtp-hints.js';
import type { SmtpWire } from './smtp-wire.js';
import { xoauth2Response } from '../delivery/smtp/guarded-connection.js';

/** One command and its reply, as a transcript line pair the diagnostic can show. */
export interface Exchange {
  reply: SmtpReply;
  transcript: string;
}

export async function command(wire: SmtpWire, line: string, timeoutMs: number, shown = line): Promise<Exchange> {
  wire.write(line);
  const text = await wire.read(timeoutMs);
  return { reply: parseReply(text), transcript: `C: ${shown}\nS: ${text.split('\n').join('\nS: ')}` };
}

export function serverLines(text: string): string {
  return `S: ${text.split('\n').join('\nS: ')}`;
}

/** The name we introduce ourselves with: this host's FQDN when it has one, else an address literal. */
export function ehloName(localAddress: string | undefined): string {
  const h = os.hostname().toLowerCase();
  if (/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(h)) return h;
  if (localAddress) return localAddress.includes(':') ? `[IPv6:${localAddress}]` : `[${localAddress}]`;
  return 'localhost.localdomain';
}

/** Reads the EHLO keywords (RFC 5321 §4.1.1.1), including the old "AUTH=" spelling. */
export function parseCapabilities(ehloReply: string): SmtpCapabilities {
  const raw = ehloReply
    .split('\n')
    .slice(1)
    .map((l) => l.slice(4).trim())
    .filter(Boolean);
  const caps: SmtpCapabilities = { size: null, auth: [], starttls: false, pipelining: false, eightBitMime: false, smtpUtf8: false, raw };
  for (const line of raw) {
    const [kw, ...args] = line.split(/[\s=]+/);
    switch (kw.toUpperCase()) {
      case 'SIZE':
        caps.size = args[0] && /^\d+$/.test(args[0]) ? Number(args[0]) : 0;
        break;
      case 'AUTH':
        for (const m of args) if (!caps.auth.includes(m.toUpperCase())) caps.auth.push(m.toUpperCase());
        break;
      case 'STARTTLS':
        caps.starttls = true;
        break;
      case 'PIPELINING':
        caps.pipelining = true;
        break;
      case '8BITMIME':
        caps.eightBitMime = true;
        break;
      case 'SMTPUTF8':
        caps.smtpUtf8 = true;
        break;
    }
  }
  return caps;
}

export function describeCapabilities(c: SmtpCapabilities): string {
  const parts = [
    c.size !== null ? `SIZE ${c.size || 'unlimited'}` : null,
    c.auth.length ? `AUTH ${c.auth.join(' ')}` : 'no AUTH',
    c.starttls ? 'STARTTLS' : null,
    c.pipelining ? 'PIPELINING' : null,
    c.eightBitMime ? '8BITMIME' : null,
    c.smtpUtf8 ? 'SMTPUTF8' : null,
  ];
  return parts.filter(Boolean).join(', ');
}

/**
 * AUTH PLAIN or LOGIN. The transcript never holds what we sent: the client lines are shown
 * as "[credentials redacted]" and the caller redacts the password from server replies too.
 */
export async function authenticate(
  wire: SmtpWire,
  mechanisms: string[],
  user: string,
  password: string,
  timeoutMs: number,
  xoauth2 = false,
): Promise<{ reply: SmtpReply; transcript: string; mechanism: string; challenge?: string } | { unsupported: true }> {
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  if (xoauth2) {
    if (!mechanisms.includes('XOAUTH2')) return { unsupported: true };
    const first = await command(wire, `AUTH XOAUTH2 ${xoauth2Response(user, password)}`, timeoutMs, 'AUTH XOAUTH2 [token redacted]');
    if (first.reply.code !== 334) return { ...first, mechanism: 'XOAUTH2' };
    // RFC 7628: a failure is a 334 with a base64 JSON error ({"status":"401","schemes":"bearer","scope":…}); an empty line ends it.
    const challenge = Buffer.from(first.reply.text.trim().split(/\s+/).pop() ?? '', 'base64').toString('utf8');
    const end = await command(wire, '', timeoutMs);
    return { reply: end.reply, transcript: `${first.transcript}\n${end.transcript}`, mechanism: 'XOAUTH2', challenge };
  }
  if (mechanisms.includes('PLAIN')) {
    const ex = await command(wire, `AUTH PLAIN ${b64(`\0${user}\0${password}`)}`, timeoutMs, 'AUTH PLAIN [credentials redacted]');
    return { ...ex, mechanism: 'PLAIN' };
  }
  if (mechanisms.includes('LOGIN')) {
    const lines: string[] = [];
    let ex = await command(wire, 'AUTH LOGIN', timeoutMs);
    lines.push(ex.transcript);
    if (ex.reply.code === 334) {
      ex = await command(wire, b64(user), timeoutMs, '[user name]');
      lines.push(ex.transcript);
    }
    if (ex.reply.code === 334) {
      ex = await command(wire, b64(password), timeoutMs, '[password redacted]');
      lines.push(ex.transcript);
    }
    return { reply: ex.reply, transcript: lines.join('\n'), mechanism: 'LOGIN' };
  }
  return { unsupported: true };
}

/** The small plain-text message a diagnostic sends, built by nodemailer (never by hand). */
export async function testMessage(from: string, to: string, host: string): Promise<Buffer> {
  const composer = new MailComposer({
    from,
    to,
    subject: 'Mailroom connection test',
    text: `This message was sent by Mailroom's connection diagnostic to check that ${host} accepts mail from ${from}.\nNo action is needed.\n`,
    headers: { 'Auto-Submitted': 'auto-generated' },
  });
  return composer.compile().build();
}

/** RFC 5321 §4.5.2: a line starting with "." gets another "."; the body ends with CRLF.CRLF. */
export function dotStuff(message: Buffer): string {
  const text = message.toString('latin1').replace(/\r?\n/g, '\r\n');
  return `${text.replace(/^\./gm, '..')}${text.endsWith('\r\n') ? '' : '\r\n'}.\r\n`;
}
