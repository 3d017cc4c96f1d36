import { createHash } from 'node:crypto';
import EmailReplyParser from 'email-reply-parser';
import type { AddressObject, ParsedMail } from 'mailparser';
import { mailparser } from '../mailparser-module.js';
import { utf8HeaderBlock } from '../legacy-header-bytes.js';
import { headerFields, legacyHeaderLine } from './header-fields.js';
import { formatMailbox, MAILBOX_TEXT_MAX } from '../core/kernel/addresses.js';
import { isDeliveryReport } from '../core/inbound/classify.js';
import type { DsnRecipient, InboundMail } from '../core/inbound/inbound-mail.js';

/**
 * Reads a received message with mailparser (never a MIME parser of our own) into the facts
 * the core decides on. Report parts (RFC 3464 delivery-status, RFC 6533 global-delivery-status,
 * RFC 5965 feedback-report, the returned message or its headers) are field blocks: each is read
 * by mailparser too, as a message consisting of headers only.
 */

/** A header block larger than this is refused by the parser: the message is quarantined. */
export const MAX_HEAD_BYTES = 256 * 1024;
/** Text and HTML kept per message (a reply's body; the log is not an archive). */
const MAX_BODY_CHARS = 1_000_000;

/** Header fields that say a machine sent the message. */
const MARKERS = ['auto-submitted', 'precedence', 'x-autoreply', 'x-autorespond', 'x-autoresponder', 'x-auto-response-suppress', 'x-ms-exchange-inbox-rules-loop', 'x-failed-recipients'];

const parserOptions = { keepDeliveryStatus: true, maxHeadSize: MAX_HEAD_BYTES, skipImageLinks: true, skipTextToHtml: true } as const;

export async function parseMail(raw: Buffer, sizeBytes: number, headersOnly: boolean): Promise<InboundMail> {
  const p = await (await mailparser()).simpleParser(withReadableHeader(raw), parserOptions);
  const contentType = p.headers.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;
  const reportType = contentType?.value?.toLowerCase() === 'multipart/report' ? (contentType.params?.['report-type'] ?? '').toLowerCase() || null : null;
  const parts = p.attachments ?? [];
  const part = (...types: string[]) => parts.find((a) => types.includes(a.contentType.toLowerCase()));
  const statusPart = isDeliveryReport(reportType) ? part('message/delivery-status', 'message/global-delivery-status') : undefined;
  const statusBlocks = statusPart ? await fieldBlocks(statusPart.content, declaredCharset(statusPart)) : [];
  const deliveryStatus = dsnRecipients(statusBlocks);
  const feedbackPart = reportType === 'feedback-report' ? part('message/feedback-report') : undefined;
  const unreadableBody = noPartRead(p, raw, contentType);
  const text = p.text ? p.text.slice(0, MAX_BODY_CHARS) : unreadableBody ? bodyAsSent(raw) : null;
  // A bounce that is no report (Exim's plain text, and others naming X-Failed-Recipients): its
  // notice, and the returned message's headers quoted below it.
  const plain = !reportType && p.headers.has('x-failed-recipients') && text ? quotedCopy(text) : null;
  // Only a report (a DSN, an ARF report, a read receipt) or a plain-text bounce returns a message:
  // any other message with one attached (a forward as message/rfc822) merely carries it, and its
  // Message-ID must not make the carrier a reply to, or a bounce of, the message inside.
  const returned = reportType || plain ? part('message/rfc822', 'text/rfc822-headers', 'message/rfc822-headers', 'message/global', 'message/global-headers') : undefined;
  return withoutNul({
    messageId: p.messageId ? bracketed(p.messageId) : null,
    inReplyTo: ids(p.inReplyTo),
    references: ids(p.references),
    from: first(p.from),
    to: all(p.to),
    cc: all(p.cc),
    replyTo: replyToText(first(p.replyTo)),
    returnPath: returnPath(p),
    subject: (p.subject ?? '').slice(0, 998),
    date: p.date && Number.isFinite(p.date.getTime()) ? p.date.getTime() : null,
    text,
    html: typeof p.html === 'string' ? p.html.slice(0, MAX_BODY_CHARS) : null,
    newText: text === null ? null : visibleText(text),
    headers: headerFields(p.headerLines ?? []),
    markers: Object.fromEntries(MARKERS.flatMap((k) => (p.headers.has(k) ? [[k, headerText(p.headers.get(k))]] : []))),
    reportType,
    deliveryStatus,
    returnedMessageId: returned ? await returnedMessageId(returned.content, declaredCharset(returned)) : plain?.copy ? await returnedMessageId(Buffer.from(plain.copy)) : null,
    bounceNotice: plain?.notice ?? null,
    envelopeId: envelopeId(statusBlocks),
    feedback: feedbackPart ? await feedback(feedbackPart.content, declaredCharset(feedbackPart)) : null,
    attachments: parts.map((a) => ({ filename: a.filename ?? '', contentType: a.contentType, sizeBytes: a.size })),
    sizeBytes,
    headersOnly,
    unreadableBody,
  });
}

/**
 * The message with its header's lines that are not UTF-8 (a legacy sender's raw Latin-1
 * `Subject: Grüße`) written in UTF-8, read as the Headers view reads them (legacyHeaderLine), so
 * the decoded subject and names show the letters, not U+FFFD. The body is left as it is (its
 * parts name their own charsets); a header that would outgrow the parser's limit so is read as
 * it came.
 */
function withReadableHeader(raw: Buffer): Buffer {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 2 : lf >= 0 ? lf + 1 : raw.length;
  const head = raw.subarray(0, end);
  const readable = utf8HeaderBlock(head, legacyHeaderLine);
  if (readable === head || readable.length > MAX_HEAD_BYTES) return raw;
  return Buffer.concat([readable, raw.subarray(end)]);
}

/**
 * Why mailparser read no part of a body that is there (no text, no HTML, no attachment), or
 * null. A multipart without a boundary (or whose boundary never appears) leaves mailparser
 * nothing to split, and the body was dropped without a word: the caller keeps it as sent.
 */
function noPartRead(p: ParsedMail, raw: Buffer, contentType: { value?: string; params?: Record<string, string> } | undefined): string | null {
  if (p.text || typeof p.html === 'string' || p.attachments?.length) return null;
  if (!/\S/.test(bodyAsSent(raw))) return null;
  const type = contentType?.value?.toLowerCase() ?? '';
  if (type.startsWith('multipart/') && !contentType?.params?.boundary) return `${type} without a boundary`;
  return type.startsWith('multipart/') ? `${type} whose parts could not be found` : `no part of the ${type || 'body'} could be read`;
}

/** The body after the header block as sent (UTF-8, anything else replaced), cut as a text part is. */
function bodyAsSent(raw: Buffer): string {
  const ends = [raw.indexOf('\r\n\r\n'), raw.indexOf('\n\n')].filter((i) => i >= 0);
  if (!ends.length) return '';
  const start = Math.min(...ends);
  const gap = raw[start] === 0x0d ? 4 : 2;
  // A character is at most 4 bytes: no more is decoded than can be kept.
  return new TextDecoder('utf-8').decode(raw.subarray(start + gap, start + gap + MAX_BODY_CHARS * 4)).slice(0, MAX_BODY_CHARS);
}

/**
 * Every string with its NUL characters replaced (U+FFFD): mail carries them now and then (a
 * broken client, a =00 in an encoded word), and PostgreSQL cannot store one in text, so such a
 * message was quarantined on PostgreSQL (a bounce in it missed) while SQLite stored it.
 */
function withoutNul<T>(v: T): T {
  if (typeof v === 'string') return (v.includes('\u0000') ? v.replaceAll('\u0000', '\uFFFD') : v) as T;
  if (Array.isArray(v)) return v.map(withoutNul) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [withoutNul(k), withoutNul(x)])) as T;
  return v;
}

/** What identifies a message without a Message-ID across a resync: a hash of its bytes. */
export function fallbackMessageId(raw: Buffer): string {
  return `<${createHash('sha256').update(raw).digest('hex').slice(0, 40)}@no-message-id.mailroom.invalid>`;
}

/** The reply's own words: email-reply-parser drops quoted text and signatures. */
function visibleText(text: string): string {
  try {
    return new EmailReplyParser().read(text).getVisibleText().trim();
  } catch {
    return text;
  }
}

/** The per-recipient blocks of a delivery-status part (the first block is about the reporting MTA). */
function dsnRecipients(blocks: Map<string, unknown>[]): DsnRecipient[] {
  return blocks
    .filter((h) => h.has('final-recipient') || h.has('original-recipient') || h.has('action'))
    .map((h) => ({
      finalRecipient: typed(field(h, 'final-recipient')),
      originalRecipient: typed(field(h, 'original-recipient')),
      action: field(h, 'action')?.toLowerCase() ?? null,
      status: /\d\.\d{1,3}\.\d{1,3}/.exec(field(h, 'status') ?? '')?.[0] ?? null,
      diagnostic: typed(field(h, 'diagnostic-code'), false),
    }));
}

/**
 * The per-message block's Original-Envelope-Id (RFC 3464 §2.2.1), xtext decoded (RFC 3461 §4:
 * "+XX" is a hex byte). Only the first block is about the message; recipient blocks never carry it.
 */
function envelopeId(blocks: Map<string, unknown>[]): string | null {
  const raw = blocks[0] ? field(blocks[0], 'original-envelope-id')?.trim() : null;
  if (!raw) return null;
  const decoded = raw.replace(/\+([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return decoded.slice(0, 100) || null;
}

/**
 * The line after which a plain-text bounce quotes the message it returns: Exim's "------ This is
 * a copy of the message, including all the headers. ------" (or "… of the message's headers",
 * or its first line alone when the body was cut), qmail's "--- Below this line is a copy of the
 * message.", and the "----- Original message -----" of Google's and others' notices.
 */
const COPY_LINE = /^[ \t]*-{2,}[ \t]*(?:this is a copy of the (?:message|headers)|below this line is a copy of the message|original message(?: follows)?|the original message (?:headers )?(?:is|are|follows?))\b.*$/im;
/** A notice longer than this is cut: what an MTA says about the failure comes first. */
const MAX_NOTICE_CHARS = 64 * 1024;

/**
 * A plain-text bounce split at its copy line: the notice above it, and the copy below it (the
 * returned message's headers first) from its first header field on, past the lines of dashes
 * Exim adds when it cut the body. No copy line: all of the text is the notice.
 */
function quotedCopy(text: string): { notice: string; copy: string | null } {
  const m = COPY_LINE.exec(text);
  if (!m) return { notice: text.slice(0, MAX_NOTICE_CHARS), copy: null };
  const rest = text.slice(m.index + m[0].length).replace(/^(?:[ \t]*(?:-{2,}[^\n]*)?\r?\n)+/, '');
  return { notice: text.slice(0, Math.min(m.index, MAX_NOTICE_CHARS)), copy: /^[!-9;-~]+:/.test(rest) ? rest.slice(0, MAX_HEAD_BYTES) : null };
}

async function returnedMessageId(content: Buffer, charset = 'utf-8'): Promise<string | null> {
  const [h] = await fieldBlocks(content, charset, 1);
  const id = h ? field(h, 'message-id') : null;
  return id ? bracketed(id) : null;
}

async function feedback(content: Buffer, charset: string): Promise<InboundMail['feedback']> {
  const [h] = await fieldBlocks(content, charset, 1);
  if (!h) return null;
  const recipient = typed(field(h, 'original-rcpt-to') ?? field(h, 'removal-recipient'));
  return { type: field(h, 'feedback-type')?.toLowerCase() ?? 'abuse', recipient: recipient?.toLowerCase() ?? null };
}

/**
 * The charset a report part declares (`Content-Type: message/delivery-status; charset=iso-8859-1`),
 * as a label TextDecoder knows; UTF-8 when it declares none or one Node cannot decode (RFC 3464's
 * fields are ASCII, RFC 6533's UTF-8: both read right as UTF-8).
 */
function declaredCharset(part: { headers: Map<string, unknown> }): string {
  const ct = part.headers.get('content-type') as { params?: Record<string, string> } | undefined;
  const label = ct?.params?.charset?.trim();
  if (!label) return 'utf-8';
  try {
    return new TextDecoder(label).encoding;
  } catch {
    return 'utf-8';
  }
}

/**
 * Blank-line separated blocks of header fields, each read by mailparser (folding, encodings).
 * The part's bytes are decoded with its declared charset first: an MTA that writes a Latin-1
 * diagnostic ("Empfänger unbekannt") and says so is read as written, not as U+FFFD.
 */
async function fieldBlocks(content: Buffer, charset = 'utf-8', max = 100): Promise<Map<string, unknown>[]> {
  const text = new TextDecoder(charset).decode(content).replace(/\r\n/g, '\n');
  const out: Map<string, unknown>[] = [];
  for (const block of text.split(/\n[ \t]*\n/).slice(0, max)) {
    if (!block.trim()) continue;
    const parsed = await (await mailparser()).simpleParser(Buffer.from(`${block.trim()}\r\n\r\n`), parserOptions);
    out.push(parsed.headers as Map<string, unknown>);
  }
  return out;
}

function field(h: Map<string, unknown>, name: string): string | null {
  return h.has(name) ? headerText(h.get(name)) : null;
}

function headerText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && 'text' in v) return String((v as { text: unknown }).text);
  if (v && typeof v === 'object' && 'value' in v) return String((v as { value: unknown }).value);
  return String(v ?? '');
}

/**
 * "rfc822; a@b" → "a@b" (the address type is always there in a DSN); "smtp; 550 …" → "550 …".
 * RFC 6533's "utf-8; …" address may write a character as \x{HEX} (in a message/delivery-status
 * part, which must stay ASCII): decoded, so the address compares as the one Mailroom sent to.
 */
function typed(v: string | null, isAddress = true): string | null {
  if (!v) return null;
  const i = v.indexOf(';');
  const type = i >= 0 ? v.slice(0, i).trim().toLowerCase() : '';
  const rest = (i >= 0 ? v.slice(i + 1) : v).replace(/\s+/g, ' ').trim();
  if (!isAddress) return rest.slice(0, 1000) || null;
  const address = type === 'utf-8' ? embeddedUnicode(rest) : rest;
  return address.replace(/^<|>$/g, '').slice(0, 320) || null;
}

/** RFC 6533's EmbeddedUnicodeChar: `\x{` 1–6 hex digits `}` is that code point (a surrogate or beyond U+10FFFF stays as written). */
function embeddedUnicode(text: string): string {
  return text.replace(/\\x\{([0-9A-Fa-f]{1,6})\}/g, (written, hex: string) => {
    const cp = parseInt(hex, 16);
    return cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? written : String.fromCodePoint(cp);
  });
}

function bracketed(id: string): string {
  const t = id.trim();
  return t.startsWith('<') ? t : `<${t}>`;
}

function ids(v: string | string[] | undefined): string[] {
  const list = Array.isArray(v) ? v : v ? v.split(/\s+/) : [];
  return list.filter(Boolean).map(bracketed);
}

function all(v: AddressObject | AddressObject[] | undefined): { name?: string; address: string }[] {
  const groups = Array.isArray(v) ? v : v ? [v] : [];
  return groups
    .flatMap((g) => g.value)
    .filter((a) => a.address)
    .slice(0, 200)
    .map((a) => (a.name ? { name: a.name, address: a.address as string } : { address: a.address as string }));
}

function first(v: AddressObject | AddressObject[] | undefined): { name?: string; address: string } | null {
  return all(v)[0] ?? null;
}

/**
 * The Reply-To as the log stores one (the same text form as a sent message's, so the name
 * shows): `Name <addr>`. A column holds MAILBOX_TEXT_MAX characters: a longer text keeps the
 * address alone, and an address longer than that (no real one is) is not kept.
 */
function replyToText(m: { name?: string; address: string } | null): string | null {
  if (!m) return null;
  const text = formatMailbox(m);
  if (text.length <= MAILBOX_TEXT_MAX) return text;
  return m.address.length <= MAILBOX_TEXT_MAX ? m.address : null;
}

function returnPath(p: ParsedMail): string | null {
  if (!p.headers.has('return-path')) return null;
  const v = p.headers.get('return-path') as AddressObject | undefined;
  return v?.value?.[0]?.address ?? '';
}
