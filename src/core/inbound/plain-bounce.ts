import type { DsnRecipient, InboundMail } from './inbound-mail.js';

/**
 * Bounces that are not RFC 3464 delivery status notifications: Exim's plain-text "Mail delivery
 * failed: returning message to sender", and other MTAs' notices that name the failed addresses
 * in an X-Failed-Recipients header. Each failed address becomes a recipient block as a DSN
 * would give it (Action: failed), so the rest (which message, which recipient it was sent to,
 * hard or soft) is decided exactly as for a DSN:
 *
 * - only a mailer daemon's message counts: the null envelope sender (`Return-Path: <>`), or a
 *   MAILER-DAEMON or postmaster address as envelope sender or author;
 * - the status is the address's own enhanced status code where the notice gives one (Exim's
 *   "550 5.1.1 …", qmail's "(#5.1.1)"). It is permanent (a hard bounce) only when the notice
 *   says so ("This is a permanent error", "failed permanently"): then an address without a code
 *   of its own gets 5.0.0, and a 5.x.x code stays hard. A notice that does not say so keeps a
 *   4.x.x code (soft) and leaves any other failure without status (marked, never suppressed):
 *   a 5.x.x reply alone is not the MTA saying it gave up. A 4.x.x code stays soft even in a
 *   permanent notice (Exim gives up on a greylisting server after days: the address is fine);
 * - a delay warning ("has not yet been delivered", "will be retried") is no bounce;
 * - Exim's "(generated from info@example.org)" under a failed address is its Original-Recipient:
 *   the address an alias or forward made the failed one from.
 *
 * Only the notice is read, never the copy of the returned message below it: those are the
 * sender's own words.
 */

const DAEMON = /^(?:mailer[-_]?daemon|postmaster)$/i;
const PERMANENT = /(?<!\bnot\s+(?:an?\s+)?)\bpermanent(?:ly)?\b/i;
const DELAY = /\b(?:ha(?:s|ve) not (?:yet )?been delivered|(?:has|have|was|been) delayed|delivery (?:is )?delayed|warning message only|will (?:continue to )?be retried|delivery attempts will continue|no action is required)\b/i;
/** An RFC 3463 enhanced status code, not a piece of an IP address or a version number. */
const ENHANCED = /(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?!\.?\d)/;
/** The start of an SMTP reply: three digits, then a space, a dash or the end. */
const SMTP_REPLY = /^[245]\d\d(?:[ -]|$)/;
const GENERATED_FROM = /^\(generated from <?([^\s()<>]+@[^\s()<>]+?)>?\)$/i;
const MAX_ADDRESSES = 100;

/** Whether the message comes from a mailer daemon: the null envelope sender, or MAILER-DAEMON / postmaster. */
export function fromMailerDaemon(mail: Pick<InboundMail, 'returnPath' | 'from'>): boolean {
  if (mail.returnPath === '') return true;
  return [mail.returnPath, mail.from?.address].some((a) => Boolean(a && DAEMON.test(localPart(a))));
}

function localPart(address: string): string {
  const at = address.lastIndexOf('@');
  return (at > 0 ? address.slice(0, at) : address).trim();
}

/** The addresses of X-Failed-Recipients (comma separated, repeated headers joined), each once. */
export function xFailedRecipients(value: string | undefined): string[] {
  const out: string[] = [];
  for (const part of (value ?? '').split(/[,\s]+/)) {
    const address = part.trim().replace(/^<|>$/g, '');
    if (address.includes('@') && address.length <= 320 && !out.some((a) => a.toLowerCase() === address.toLowerCase())) out.push(address);
  }
  return out.slice(0, MAX_ADDRESSES);
}

/** The failed recipients of a plain-text bounce, as DSN recipient blocks; empty when it is none. */
export function plainBounceRecipients(mail: Pick<InboundMail, 'reportType' | 'returnPath' | 'from' | 'markers' | 'bounceNotice'>): (DsnRecipient & { finalRecipient: string })[] {
  if (mail.reportType || mail.bounceNotice === null || !fromMailerDaemon(mail)) return [];
  const addresses = xFailedRecipients(mail.markers['x-failed-recipients']);
  const notice = mail.bounceNotice;
  const permanent = PERMANENT.test(notice);
  if (!addresses.length || (!permanent && DELAY.test(notice))) return [];
  const lines = notice.split(/\r?\n/);
  const found = addresses.map((a) => named(lines, a));
  return addresses.map((address, i) => {
    const at = found[i];
    // What the notice says about this address: the rest of the line that names it ("<a@b>: 550 …"),
    // and the lines up to the one naming the next failed address.
    const next = at ? Math.min(lines.length, ...found.flatMap((f) => (f && f.line > at.line ? [f.line] : []))) : 0;
    const said = at ? [lines[at.line].slice(at.end).replace(/^[>:\s]+/, ''), ...lines.slice(at.line + 1, next)].map((l) => l.trim()) : [];
    // Exim names the address Mailroom sent to when an alias or forward made the failed one:
    // "(generated from info@example.org)", as a DSN's Original-Recipient does.
    const generated = said.map((l) => GENERATED_FROM.exec(l)?.[1]).find(Boolean) ?? null;
    const diagnostic = diagnosticOf(said.filter((l) => !GENERATED_FROM.test(l)));
    const code = ENHANCED.exec(diagnostic ?? '') ?? ENHANCED.exec(said.join('\n'));
    const status = code ? code.slice(1, 4).join('.') : null;
    const cls = status?.[0];
    return {
      finalRecipient: address,
      originalRecipient: generated,
      action: 'failed',
      status: cls === '4' ? status : permanent ? (cls === '5' ? status : '5.0.0') : null,
      diagnostic,
    };
  });
}

/** The first line of `lines` naming `address` as a whole (not "ann@x" inside "joann@x"), and where the address ends in it. */
function named(lines: readonly string[], address: string): { line: number; end: number } | null {
  const re = new RegExp(`(?<![\\w.+-])${address.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-]|\\.\\w)`, 'i');
  for (let line = 0; line < lines.length; line++) {
    const m = re.exec(lines[line]);
    if (m) return { line, end: m.index + m[0].length };
  }
  return null;
}

/**
 * The server's reply (its first line and the lines that go on with it) when the notice quotes
 * one, else the notice's first paragraph about the address (Exim's "Unrouteable address",
 * qmail's "Sorry, no mailbox here by that name. (#5.1.1)").
 */
function diagnosticOf(said: readonly string[]): string | null {
  const reply = said.findIndex((l) => SMTP_REPLY.test(l));
  const from = reply >= 0 ? reply : said.findIndex((l) => l.length > 0);
  if (from < 0) return null;
  const end = said.indexOf('', from);
  return said
    .slice(from, end < 0 ? said.length : end)
    .join(' ').replace(/\s+/g, ' ').trim().slice(0, 1000) || null;
}
