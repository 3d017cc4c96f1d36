import { formatMailbox, mailboxText, parseMailbox, type Mailbox } from '../kernel/addresses.js';
import { ErrorCodes, invalid, MailroomError } from '../kernel/errors.js';
import { assertHeaderSafe, hasControlChars, hasHeaderUnsafeChars, headerControl, shown } from '../kernel/header-safety.js';
import { arr, characters, doc, instant, onlyKeys, optStr, refuseEmpty, str } from '../kernel/validate.js';
import { formatMediaType, parseMediaType } from './media-type.js';
import type { RenderedTemplate } from '../templates/render.js';


/** Every status a message can have (docs/api.md). */
export const MESSAGE_STATUSES = ['queued', 'sending', 'deferred', 'sent', 'failed', 'expired', 'cancelled', 'logged', 'bounced', 'suppressed', 'received', 'quarantined'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** Waiting for the dispatcher: the statuses a worker may claim. */
export const CLAIMABLE: readonly MessageStatus[] = ['queued', 'deferred'];
/** Not yet on the wire: cancel stops them. A message being sent right now cannot be recalled. */
export const CANCELLABLE: readonly MessageStatus[] = ['queued', 'deferred'];
/** Over, but worth another go when an operator says so (after fixing the account, say). */
export const RETRYABLE: readonly MessageStatus[] = ['deferred', 'failed', 'expired', 'cancelled'];

/** `suppressed`: skipped at accept time (the suppression list); `bounced`: a DSN said it did not arrive after all. */
export type RecipientStatus = 'pending' | 'accepted' | 'deferred' | 'rejected' | 'suppressed' | 'bounced';

/** Limits on one submission; each breach has its own error code. */
export const LIMITS = {
  recipients: 100,
  subjectChars: 998,
  attachments: 20,
  attachmentBytes: 10 * 1024 * 1024,
  messageBytes: 25 * 1024 * 1024,
  headers: 20,
  idempotencyKeyChars: 200,
} as const;

/**
 * Custom headers an application may set. Everything else (From, To, Content-Type, Received,
 * DKIM-Signature …) is Mailroom's to write: letting callers set them would forge or break mail.
 */
const ALLOWED_HEADER = /^(x-[\x21-\x39\x3b-\x7e]+|list-unsubscribe|list-unsubscribe-post|list-id|in-reply-to|references|auto-submitted|precedence|importance)$/i;
const FORBIDDEN_X = /^x-(mailroom-|originating-ip$)/i;
const ASCII_ONLY_HEADER = /^(in-reply-to|references|list-unsubscribe|list-unsubscribe-post)$/i;

export interface Attachment {
  filename: string;
  contentType: string;
  contentBase64: string;
  /** Received mail keeps an attachment's name, type and size, not its content (contentBase64 ''). */
  sizeBytes?: number;
}

/** A validated submission: addresses parsed once, every header-bound value checked. */
export interface Submission {
  purpose?: string;
  accountId?: string;
  serverId?: string;
  from?: Mailbox;
  to: Mailbox[];
  cc: Mailbox[];
  bcc: Mailbox[];
  replyTo?: Mailbox;
  subject: string;
  text?: string;
  html?: string;
  attachments: Attachment[];
  headers: Record<string, string>;
  idempotencyKey?: string;
  sendAt?: number;
  expireAt?: number;
  /** Bytes of bodies plus decoded attachments (of the raw message, for one). */
  sizeBytes: number;
  /** The template version and locale that rendered subject and bodies; null when the caller wrote them. */
  template: { key: string; version: number; locale: string } | null;
  /** Set for a message an application composed itself (the SMTP relay); see RawPart. */
  raw?: RawPart;
}

/**
 * A message as an application composed it (the SMTP relay). The fields of the submission
 * around it are what the log shows (from the message's own headers); this is what is sent.
 */
export interface RawPart {
  /** The message as received (Bcc header fields removed), CRLF line endings. */
  bytes: Uint8Array;
  /** The SMTP envelope's recipients (RCPT TO), each parsed once: who the message goes to. */
  envelope: Mailbox[];
  /** The message's own Message-ID, or null when it has none (Mailroom adds one: see headers). */
  messageId: string | null;
}

export const SUBMISSION_FIELDS = ['purpose', 'accountId', 'serverId', 'from', 'to', 'cc', 'bcc', 'replyTo', 'subject', 'text', 'html', 'attachments', 'headers', 'idempotencyKey', 'sendAt', 'expireAt', 'template', 'data', 'locale'] as const;

function tooManyRecipients(): MailroomError {
  return new MailroomError(ErrorCodes.TOO_MANY_RECIPIENTS, `at most ${LIMITS.recipients} recipients (to, cc and bcc together) per message`, { limit: LIMITS.recipients });
}

function mailboxes(field: string, v: unknown): Mailbox[] {
  if (v === undefined || v === null) return [];
  // One address given as a string is named by its field: "cc[0]" would point into a list the caller never sent.
  if (typeof v === 'string') return [parseMailbox(field, str(field, v, { max: 320 }))];
  const list = arr(field, v, Number.MAX_SAFE_INTEGER);
  // Counted before any is parsed: a list of thousands is refused at once, as the total is below.
  if (list.length > LIMITS.recipients) throw tooManyRecipients();
  return list.map((a, i) => parseMailbox(`${field}[${i}]`, str(`${field}[${i}]`, a, { max: 320 })));
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function attachments(v: unknown): Attachment[] {
  if (v === undefined || v === null) return [];
  const list = arr('attachments', v, LIMITS.attachments);
  return list.map((a, i) => {
    const f = `attachments[${i}]`;
    const d = doc(f, a);
    // Content only: a path or URL field would let a caller read files or fetch URLs through us.
    onlyKeys(f, d, ['filename', 'contentType', 'contentBase64']);
    const filename = str(`${f}.filename`, d.filename, { max: 255 });
    headerText(`${f}.filename`, filename);
    // Left out: application/octet-stream. Given as "", it is refused: it names no type.
    refuseEmpty(`${f}.contentType`, d.contentType, 'leave it out for application/octet-stream');
    const given = optStr(`${f}.contentType`, d.contentType, { max: 255 }) ?? 'application/octet-stream';
    assertHeaderSafe(`${f}.contentType`, given);
    const media = parseMediaType(given);
    if (typeof media === 'string') throw invalid(`${f}.contentType`, media);
    // A multipart needs a boundary parameter (none can be given) and may not be base64 (RFC 2045 6.4).
    if (/^multipart\//i.test(media.type)) throw invalid(`${f}.contentType`, 'must not be multipart/*: attach each part on its own, or send the file as application/octet-stream');
    if (media.params.some(([k]) => k === 'name')) throw invalid(`${f}.contentType`, 'must not have a "name" parameter: it is set from filename');
    const contentType = formatMediaType(media);
    // Whitespace is skipped: MIME encoders (Python's encodebytes, Java's MIME encoder) wrap at 76.
    const contentBase64 = str(`${f}.contentBase64`, d.contentBase64, { min: 0 }).replace(/\s+/g, '');
    if (contentBase64.length % 4 !== 0 || !BASE64.test(contentBase64)) throw invalid(`${f}.contentBase64`, base64Problem(contentBase64));
    const bytes = (contentBase64.length / 4) * 3 - (contentBase64.endsWith('==') ? 2 : contentBase64.endsWith('=') ? 1 : 0);
    if (bytes > LIMITS.attachmentBytes) {
      throw new MailroomError(ErrorCodes.ATTACHMENT_TOO_LARGE, `${f} is ${bytes} bytes; the limit is ${LIMITS.attachmentBytes} bytes per attachment`, { field: f, limit: LIMITS.attachmentBytes });
    }
    return { filename, contentType, contentBase64 };
  });
}

/**
 * A message's idempotency key: 1 to 200 characters, no control characters. Checked before it
 * is looked up, so that both databases answer alike (PostgreSQL refuses a NUL in text, SQLite
 * would store it), and "" is refused rather than taken as no key by a caller who meant one.
 */
export function idempotencyKeyOf(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  refuseEmpty('idempotencyKey', v, 'leave it out to send without one');
  const key = str('idempotencyKey', v, { max: LIMITS.idempotencyKeyChars });
  if (hasControlChars(key)) throw invalid('idempotencyKey', 'must not contain control characters (line breaks, tabs, NUL)');
  return key;
}

/** Why text is not the standard, padded base64 an attachment is given in (the usual slips named). */
function base64Problem(text: string): string {
  const form = 'must be standard base64 (A-Z, a-z, 0-9, "+" and "/"), padded with "=" to a multiple of 4 characters';
  if (/^[A-Za-z0-9_-]+={0,2}$/.test(text) && /[-_]/.test(text)) return `${form}: this looks like base64url ("-" and "_"); encode with standard base64`;
  if (BASE64.test(text)) return `${form}: it is ${text.length} characters long; add the "=" padding`;
  return `${form}; it holds other characters`;
}

/** The longest custom header name: "Name: " must leave room on a 78-character line. */
const HEADER_NAME_CHARS = 76;

/** One character of a header name that RFC 5322 does not allow, described for people. */
function describeChar(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  if (c === ' ') return 'a space';
  if (c === ':') return '":" (it ends the name)';
  if (code < 0x20 || code === 0x7f) return `the control character ${shown(c)}`;
  return `"${shown(c)}" (U+${code.toString(16).toUpperCase().padStart(4, '0')}, not ASCII)`;
}

/**
 * A custom header's name: an RFC 5322 field-name (1 to 76 printable ASCII characters, codes 33
 * to 126, other than ":"), then one Mailroom lets callers set. Each refusal names the header
 * (`details.field: "headers.<name>"`, cut short and with control characters escaped) and why.
 */
function headerName(name: string): void {
  const field = `headers.${shown(name)}`;
  const rule = 'a header name is 1 to 76 printable ASCII characters (codes 33 to 126) other than ":" (RFC 5322 field-name)';
  if (name === '') throw new MailroomError(ErrorCodes.HEADER_NOT_ALLOWED, `headers: a header name is empty; ${rule}`, { field });
  if (hasHeaderUnsafeChars(name)) {
    throw new MailroomError(ErrorCodes.HEADER_INJECTION, `${field}: the header name contains a line break or NUL character, which is not allowed in a mail header; ${rule}`, { field });
  }
  const chars = [...name];
  const bad = chars.findIndex((c) => !/^[\x21-\x39\x3b-\x7e]$/.test(c));
  if (bad >= 0) throw new MailroomError(ErrorCodes.HEADER_NOT_ALLOWED, `${field}: the header name has ${describeChar(chars[bad]!)} at position ${bad + 1}; ${rule}`, { field });
  if (name.length > HEADER_NAME_CHARS) throw new MailroomError(ErrorCodes.HEADER_NOT_ALLOWED, `${field}: the header name is ${name.length} characters; ${rule}`, { field });
  if (FORBIDDEN_X.test(name)) {
    throw new MailroomError(ErrorCodes.HEADER_NOT_ALLOWED, `${field}: X-Mailroom-* and X-Originating-IP are Mailroom's own headers and may not be set by the caller`, { field });
  }
  if (!ALLOWED_HEADER.test(name)) {
    throw new MailroomError(
      ErrorCodes.HEADER_NOT_ALLOWED,
      `${field}: may not be set by the caller; allowed are X-… headers, List-Unsubscribe, List-Unsubscribe-Post, List-Id, In-Reply-To, References, Auto-Submitted, Precedence and Importance`,
      { field },
    );
  }
}

/** A caller's text that goes into a header: CR, LF and NUL are injection, any other control (TAB aside) a slip refused in words. */
function headerText(field: string, value: string): void {
  assertHeaderSafe(field, value);
  const control = headerControl(value);
  if (control) throw invalid(field, `contains ${control}, which has no place in a mail header`);
}

function headers(v: unknown): Record<string, string> {
  if (v === undefined || v === null) return {};
  const d = doc('headers', v);
  const names = Object.keys(d);
  if (names.length > LIMITS.headers) throw invalid('headers', `at most ${LIMITS.headers} custom headers`);
  const out: Record<string, string> = {};
  const seen = new Set<string>();
  for (const name of names) {
    headerName(name);
    // Header names are case-insensitive: "In-Reply-To" and "in-reply-to" would be two headers.
    if (seen.has(name.toLowerCase())) throw invalid(`headers.${name}`, 'is given more than once (header names ignore case)');
    seen.add(name.toLowerCase());
    const value = str(`headers.${name}`, d[name], { max: 998 });
    headerText(`headers.${name}`, value);
    // Message ids and URIs cannot be RFC 2047-encoded (a client would read the encoded word
    // literally), and raw 8-bit bytes are not allowed in a header: ASCII only.
    if (ASCII_ONLY_HEADER.test(name) && !/^[\x20-\x7e\t]*$/.test(value)) throw invalid(`headers.${name}`, 'must be printable ASCII (percent-encode non-ASCII in URLs)');
    out[name] = value;
  }
  return out;
}

function body(field: string, v: unknown): string | undefined {
  // No length of its own: a body too long is a message too large (below), whether its
  // characters are one byte each or more; a count here answered VALIDATION for the one and
  // MESSAGE_TOO_LARGE for the other.
  const s = optStr(field, v);
  // NUL has no place in a mail body and breaks SMTP DATA.
  if (s !== undefined && s.includes('\0')) throw invalid(field, 'must not contain NUL characters');
  return s;
}

/** Subject and bodies: the caller's own, or those a template rendered (templateRequest made sure the caller gave none). */
function content(d: Record<string, unknown>, rendered: RenderedTemplate | undefined): { subject: unknown; text: unknown; html: unknown } {
  if (rendered) return { subject: rendered.subject, text: rendered.text ?? undefined, html: rendered.html ?? undefined };
  if (d.data !== undefined || d.locale !== undefined) throw invalid(d.data !== undefined ? 'data' : 'locale', 'is only used with template');
  return { subject: d.subject, text: d.text, html: d.html };
}

/**
 * What names the purpose, account or server a message goes by. `""` is refused, not taken as
 * left out: an `accountId` of `""` went past allowOverride and sent from the default account.
 */
function optKey(field: string, v: unknown, max: number): string | undefined {
  if (v === undefined || v === null) return undefined;
  refuseEmpty(field, v);
  return str(field, v, { max });
}

/**
 * A message's purpose as written: what a submission may name, and so what the log's purpose
 * filter may ask for (`ALERT` matched nothing, silently, instead of being refused).
 */
export function messagePurpose(field: string, purpose: string): string {
  if (!/^[a-z0-9][a-z0-9_.-]*$/.test(purpose)) throw invalid(field, 'must be a purpose key such as "password_reset"');
  return purpose;
}

/**
 * Validates a submission from any entry point (HTTP, CLI, relay, diagnostics). Addresses are
 * parsed here, once; the envelope and the headers are built from this result only. A
 * templated submission comes with what its template rendered, checked like written content.
 */
export function validateSubmission(input: unknown, rendered?: RenderedTemplate): Submission {
  const d = doc('message', input);
  onlyKeys('message', d, SUBMISSION_FIELDS);
  const c = content(d, rendered);
  // A templated message without a purpose takes its template's.
  const purpose = optKey('purpose', d.purpose, 64) ?? rendered?.purpose ?? undefined;
  if (purpose !== undefined) messagePurpose('purpose', purpose);
  const to = mailboxes('to', d.to);
  const cc = mailboxes('cc', d.cc);
  const bcc = mailboxes('bcc', d.bcc);
  if (to.length + cc.length + bcc.length === 0) throw invalid('to', 'give at least one recipient');
  if (to.length + cc.length + bcc.length > LIMITS.recipients) throw tooManyRecipients();
  if (c.subject === undefined) throw invalid('subject', 'is required (or name a template, which writes it)');
  const subject = str('subject', c.subject, { min: 0 });
  headerText('subject', subject);
  if (subject.length > LIMITS.subjectChars && characters(subject) > LIMITS.subjectChars) {
    throw new MailroomError(ErrorCodes.SUBJECT_TOO_LONG, `subject is ${characters(subject)} characters; the limit is ${LIMITS.subjectChars}`, { field: 'subject', limit: LIMITS.subjectChars });
  }
  const text = body('text', c.text);
  const html = body('html', c.html);
  if (text === undefined && html === undefined) throw invalid('text', 'give text or html (or both)');
  const atts = attachments(d.attachments);
  const sizeBytes =
    Buffer.byteLength(text ?? '') + Buffer.byteLength(html ?? '') + atts.reduce((n, a) => n + Math.floor((a.contentBase64.length * 3) / 4), 0);
  if (sizeBytes > LIMITS.messageBytes) {
    throw new MailroomError(ErrorCodes.MESSAGE_TOO_LARGE, `the message is ${sizeBytes} bytes; the limit is ${LIMITS.messageBytes} bytes`, { limit: LIMITS.messageBytes });
  }
  const idempotencyKey = idempotencyKeyOf(d.idempotencyKey);
  const sendAt = instant('sendAt', d.sendAt);
  const expireAt = instant('expireAt', d.expireAt);
  if (sendAt !== undefined && expireAt !== undefined && expireAt <= sendAt) throw invalid('expireAt', 'must be after sendAt');
  const from = d.from === undefined || d.from === null ? undefined : parseMailbox('from', str('from', d.from, { max: 320 }));
  const replyTo = d.replyTo === undefined || d.replyTo === null ? undefined : parseMailbox('replyTo', str('replyTo', d.replyTo, { max: 320 }));
  // Kept with its display name, stored as one text (messages.service): refused here if that is too long.
  if (replyTo) mailboxText('replyTo', replyTo);
  return {
    purpose,
    accountId: optKey('accountId', d.accountId, 40),
    serverId: optKey('serverId', d.serverId, 40),
    from,
    to,
    cc,
    bcc,
    replyTo,
    subject,
    text,
    html,
    attachments: atts,
    headers: headers(d.headers),
    idempotencyKey,
    sendAt,
    expireAt,
    sizeBytes,
    template: rendered ? { key: rendered.key, version: rendered.version, locale: rendered.locale } : null,
  };
}

/** The submission with a text part derived from its HTML (checked against the size limit again). */
export function withDerivedText(sub: Submission, text: string): Submission {
  const sizeBytes = sub.sizeBytes + Buffer.byteLength(text);
  if (sizeBytes > LIMITS.messageBytes) return sub;
  return { ...sub, text, sizeBytes };
}

/** RFC 5322 date-time in UTC, as Mailroom writes Date headers. */
export function rfc5322Date(at: number): string {
  return new Date(at).toUTCString().replace(/GMT$/, '+0000');
}

/** "Name <a@b>", "\"Doe, John\" <a@b>" or "a@b": how the log shows a mailbox (as it parses back). */
export function displayMailbox(m: { name?: string; address: string }): string {
  return formatMailbox(m);
}

/**
 * The envelope: each address once (case-insensitively), from the parsed mailboxes only.
 * Returns the recipients with the header field they came from.
 */
export function envelopeRecipients(groups: { kind: 'to' | 'cc' | 'bcc'; list: Mailbox[] }[]): { address: string; kind: 'to' | 'cc' | 'bcc' }[] {
  const seen = new Set<string>();
  const out: { address: string; kind: 'to' | 'cc' | 'bcc' }[] = [];
  for (const g of groups) {
    for (const m of g.list) {
      const key = m.address.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ address: m.address, kind: g.kind });
    }
  }
  return out;
}
