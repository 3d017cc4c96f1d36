import type { InboundKind } from '../outbox/ports.js';
import type { DsnRecipient, InboundMail } from './inbound-mail.js';
import { fromMailerDaemon, plainBounceRecipients } from './plain-bounce.js';

/**
 * What a received message is, from its headers and report parts, in this order:
 * - a delivery status notification (multipart/report; report-type=delivery-status, RFC 3464,
 *   or global-delivery-status, RFC 6533) with at least one failed recipient is a `bounce`, and so is a plain-text bounce that is no
 *   report: a mailer daemon's notice naming X-Failed-Recipients, as Exim sends (plain-bounce.ts);
 * - an abuse report (report-type=feedback-report, RFC 5965) is a `complaint`;
 * - anything a machine sent on its own (Auto-Submitted other than "no" (RFC 3834), the
 *   X-Autoreply family, Precedence auto_reply, a read receipt, or any other report such as a
 *   "delayed" DSN), and anything else from a mailer daemon (the null sender, MAILER-DAEMON or
 *   postmaster: a plain-text delay warning that names the message in References) is an
 *   `auto_reply`: an out-of-office is never a bounce, and no machine's notice is a reply;
 * - a message that names one of Mailroom's messages in In-Reply-To or References is a `reply`;
 * - the rest is `mail`.
 */
export function classify(mail: InboundMail, answersOwnMessage: boolean): InboundKind {
  if (bounceRecipients(mail).length) return 'bounce';
  if (mail.reportType === 'feedback-report') return 'complaint';
  if (mail.reportType || isAutomatic(mail.markers) || fromMailerDaemon(mail)) return 'auto_reply';
  return answersOwnMessage ? 'reply' : 'mail';
}

/**
 * The report types of a delivery status notification: RFC 3464's, and RFC 6533's for
 * internationalized mail (the same fields, which may hold UTF-8). Both are DSNs everywhere a DSN
 * is looked at: its status part, its recipients, its envelope id.
 */
const DSN_REPORT_TYPES: ReadonlySet<string> = new Set(['delivery-status', 'global-delivery-status']);

export function isDeliveryReport(reportType: string | null): boolean {
  return reportType !== null && DSN_REPORT_TYPES.has(reportType);
}

/** RFC 3834 and the headers vacation responders actually send. */
export function isAutomatic(markers: Readonly<Record<string, string>>): boolean {
  const auto = markers['auto-submitted']?.trim().toLowerCase();
  if (auto && auto !== 'no') return true;
  if (markers['x-autoreply'] || markers['x-autorespond'] || markers['x-autoresponder']) return true;
  if (/^(auto_reply|auto-reply)$/i.test(markers['precedence']?.trim() ?? '')) return true;
  // Exchange's out-of-office carries this one (with value "All" or "OOF, AutoReply"); "All"
  // includes OOF and AutoReply (MS-OXCMAIL), so Exchange may write that alone.
  if (/\b(oof|autoreply|all)\b/i.test(markers['x-auto-response-suppress'] ?? '') && markers['x-ms-exchange-inbox-rules-loop']) return true;
  return false;
}

/**
 * The recipients a bounce says did not get the message: a DSN's blocks with Action: failed, or,
 * for a message that is no report, the failed addresses of a plain-text bounce. A report of
 * another kind (an abuse report, a read receipt) bounces nothing.
 */
export function bounceRecipients(mail: InboundMail): (DsnRecipient & { finalRecipient: string })[] {
  if (isDeliveryReport(mail.reportType)) return failedRecipients(mail.deliveryStatus);
  return mail.reportType ? [] : plainBounceRecipients(mail);
}

/** The recipients a DSN says did not get the message (Action: failed), with an address. */
export function failedRecipients(list: readonly DsnRecipient[]): (DsnRecipient & { finalRecipient: string })[] {
  return list.filter((r): r is DsnRecipient & { finalRecipient: string } => r.action?.toLowerCase() === 'failed' && Boolean(r.finalRecipient || r.originalRecipient)).map((r) => ({ ...r, finalRecipient: (r.finalRecipient || r.originalRecipient) as string }));
}

/**
 * A bounced recipient's response in the log: the server's diagnostic, after the DSN's status
 * unless the diagnostic already gives it ("550 5.1.1 <ann@x>: unknown" was shown as "5.1.1 550
 * 5.1.1 …", in the message, the suppression list and every later "is suppressed" answer).
 */
export function bounceResponse(status: string | null, diagnostic: string | null): string {
  // Word by word, never as a pattern: both come from the bounce, written by anyone.
  const said = !!status && !!diagnostic && diagnostic.split(/\s+/).includes(status.trim());
  return (said ? diagnostic : [status, diagnostic].filter(Boolean).join(' ')) || 'bounced (no status given)';
}

/** 5.x.x is permanent (a hard bounce); 4.x.x temporary (soft); anything else says nothing. */
export function bounceClass(status: string | null): 'hard' | 'soft' | null {
  const m = /^([245])\.\d{1,3}\.\d{1,3}$/.exec(status?.trim() ?? '');
  if (!m) return null;
  return m[1] === '5' ? 'hard' : m[1] === '4' ? 'soft' : null;
}
