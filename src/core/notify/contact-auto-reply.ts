import { parseMailbox, type Mailbox } from '../kernel/addresses.js';
import { bool, doc, onlyKeys, optStr } from '../kernel/validate.js';
import { fillPlaceholders, subjectAndBody, textOf, type BuiltinPlan } from './builtin-mail.js';
import type { NotifyEvent } from './events.js';
import { automatedBy, submissionHeaders, type SubmissionHeaders } from './submission-headers.js';

/**
 * The contact form's auto-reply: a built-in rule with its own simple settings. On
 * `contact.submitted` (`data: { name, email, subject, message }`) it answers the sender once,
 * with `{name}` and `{subject}` filled in as plain text: the admin's text is never template
 * code, and the sender's text never becomes code or a header line.
 */
export interface ContactAutoReplySettings {
  enabled: boolean;
  /** The account it is sent from; null: the contact_autoreply purpose decides. */
  accountId: string | null;
  subject: string;
  body: string;
}

export const CONTACT_EVENT = 'contact.submitted';
/** The rule id the built-in answer carries in events and the log. */
export const AUTO_REPLY_RULE_ID = 'contact-auto-reply';
export const AUTO_REPLY_PURPOSE = 'contact_autoreply';
/** One answer per address and this window. */
export const AUTO_REPLY_WINDOW_MS = 24 * 3600 * 1000;

/** What the auto-reply's subject and body may name: the values it fills in. */
export const CONTACT_PLACEHOLDERS = ['name', 'subject'] as const;

export const DEFAULT_CONTACT_AUTO_REPLY: Readonly<ContactAutoReplySettings> = Object.freeze({
  enabled: false,
  accountId: null,
  subject: 'We received your message: {subject}',
  body: 'Hello {name},\n\nthank you for your message "{subject}". We have received it and will answer as soon as we can.\n\nThis is an automatic reply.',
});

export function parseContactAutoReply(v: unknown, prev: ContactAutoReplySettings = DEFAULT_CONTACT_AUTO_REPLY): ContactAutoReplySettings {
  const d = doc('contactAutoReply', v);
  onlyKeys('contactAutoReply', d, ['enabled', 'accountId', 'subject', 'body']);
  const { subject, body } = subjectAndBody('contactAutoReply', d, prev, CONTACT_PLACEHOLDERS);
  return {
    enabled: d.enabled === undefined ? prev.enabled : bool('contactAutoReply.enabled', d.enabled),
    accountId: d.accountId === undefined ? prev.accountId : (optStr('contactAutoReply.accountId', d.accountId, { max: 40 }) ?? null),
    subject,
    body,
  };
}

/**
 * Local parts that are machines, never people (RFC 3834 section 2 and common practice), with
 * their usual tagged forms: `noreply-alerts`, `no_reply.billing`, `bounces-42` (VERP).
 */
const AUTOMATED_LOCAL = /^(mailer-daemon|listserv|majordomo|owner-.+|.+-request|.+-bounces?|(no[-_.]?reply|do[-_.]?not[-_.]?reply|bounces?)([-_.].*)?)$/i;

/** The local part without its sub-address (`noreply+4711` is `noreply`): tags name a message or a list, not another mailbox. */
function untagged(local: string): string {
  const plus = local.indexOf('+');
  return plus > 0 ? local.slice(0, plus) : local;
}

/**
 * Why the sender must not get an answer (an automated sender), or undefined when it may.
 * `headers`: `data.headers` read (submissionHeaders); headers it could not read are never taken for "none".
 */
export function automatedSender(data: Record<string, unknown>, sender: Mailbox | undefined, headers: SubmissionHeaders | undefined = submissionHeaders(data.headers)): string | undefined {
  if (!sender) return 'the submission has no sender address (data.email)';
  if (AUTOMATED_LOCAL.test(untagged(sender.local || sender.address.split('@')[0]))) return `${sender.address} is an automated sender`;
  if (!headers) return 'data.headers could not be read';
  return automatedBy(headers);
}

/** What a value is, in a message about it (never its content: it is the sender's). */
function describeValue(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return 'text';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** What the auto-reply makes of an event: nothing (not a contact event, switched off), a reason not to answer, or the answer. */
export function planAutoReply(settings: ContactAutoReplySettings, event: NotifyEvent): BuiltinPlan {
  if (!settings.enabled || event.type !== CONTACT_EVENT) return { kind: 'none' };
  const raw = event.data.email;
  let sender: Mailbox | undefined;
  // A list, an object or a number is no address; only an empty or missing one means "no sender".
  if (raw !== undefined && raw !== null && typeof raw !== 'string') return { kind: 'skip', code: 'invalid_sender', message: `data.email is not an address but ${Array.isArray(raw) ? 'a list' : `a ${typeof raw}`}: give one address as text; nothing was answered` };
  if (typeof raw === 'string' && raw.trim()) {
    try {
      sender = parseMailbox('data.email', raw.trim());
    } catch {
      return { kind: 'skip', code: 'invalid_sender', message: 'data.email is not an address; nothing was answered' };
    }
  }
  const headers = submissionHeaders(event.data.headers);
  const automated = automatedSender(event.data, sender, headers ?? new Map());
  if (automated) return { kind: 'skip', code: 'automated_sender', message: `${automated}; auto-replies never answer machines` };
  // Headers it cannot read may say "auto-replied": taken for "none", an auto-responder would be answered (a mail loop).
  if (!headers) {
    return { kind: 'skip', code: 'invalid_headers', message: `data.headers (${describeValue(event.data.headers)}) is in no shape Mailroom reads: give a map of names to text or lists of text, a list of [name, value] pairs, or the header block as text; nothing was answered` };
  }
  const values = { name: textOf(event.data.name), subject: textOf(event.data.subject) };
  return {
    kind: 'send',
    mail: {
      // The address only: the sender's name never reaches a header we write.
      to: [{ address: sender!.address, local: sender!.local, domain: sender!.domain }],
      subject: fillPlaceholders(settings.subject, values, { headerLine: true }),
      text: fillPlaceholders(settings.body, values, { headerLine: false }),
      purpose: AUTO_REPLY_PURPOSE,
      accountId: settings.accountId,
      serverId: null,
      // RFC 3834: an automatic answer says so, and other auto-responders do not answer it.
      headers: { 'Auto-Submitted': 'auto-replied' },
      adminChoseAccount: true,
      claim: sender!.address.toLowerCase(),
    },
  };
}
