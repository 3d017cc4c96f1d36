import { randomBytes } from 'node:crypto';
import * as base64 from 'nodemailer/lib/base64';
import { buildHeaderValue, encodeWord, foldLines, hasLongerLines, isPlainText } from 'nodemailer/lib/mime-funcs';
import MimeNode from 'nodemailer/lib/mime-node';
import * as qp from 'nodemailer/lib/qp';
import { parseMailbox } from '../core/kernel/addresses.js';
import { parseMediaType } from '../core/outbox/media-type.js';
import { rfc5322Date, type Attachment } from '../core/outbox/messages.js';
import type { MessageRecord } from '../core/outbox/ports.js';

/** What a message needs to become an RFC 5322 / MIME document: part of the stored row. */
export type MimeInput = Pick<MessageRecord, 'id' | 'from' | 'to' | 'cc' | 'replyTo' | 'subject' | 'text' | 'html' | 'headers' | 'attachments' | 'messageIdHeader' | 'createdAt'>;

const LINE = 76;
/**
 * Header values go through nodemailer's own encoder (RFC 2047 words for non-ASCII text and
 * display names, quoting, msg-id rules, punycode domains), one node for the whole thread:
 * its constructor draws random bytes we do not need per message.
 */
const headerEncoder = new MimeNode(false);
function header(key: string, value: string): string {
  // Text that already looks like an RFC 2047 word is passed through by the encoder (so callers
  // can pre-encode), and a client decodes it: "=?utf-8?q?=0D=0A?=" became a line break in
  // the Subject that validation refused as such. Encoding it makes the reader see what the
  // caller wrote. Message ids and URLs are structured: an encoded word there would be read
  // literally, so they are left alone here (below is their last resort).
  if (value.includes('=?') && !STRUCTURED.test(key)) return foldLines(`${key}: ${encodeWord(value, 'Q', 52)}`, LINE);
  const line = foldLines(`${key}: ${headerEncoder.encodeHeaderValue(key, value)}`, LINE);
  if (fitsTheWire(line)) return line;
  // Two cases the encoder leaves unsafe (MailComposer writes them the same way): a word of
  // 997+ characters without a space, which no fold can split ("Subject:" + " <998 x>" is a
  // 999-octet line, over SMTP's limit), and non-ASCII in In-Reply-To/References, which it
  // copies as 8-bit bytes. RFC 2047 words split anywhere and are 7-bit. Clients decode them
  // in Subject and X- headers; a message id that long or non-ASCII is not a real one anyway
  // (validation refuses the non-ASCII ones now; this covers rows stored before).
  return foldLines(`${key}: ${encodeWord(value, 'Q', 52)}`, LINE);
}
const STRUCTURED = /^(message-id|in-reply-to|references|list-unsubscribe|list-unsubscribe-post)$/i;
const fitsTheWire = (folded: string) => !/[^\t\x20-\x7e\r\n]/.test(folded) && folded.split('\r\n').every((l) => l.length <= 998);

/** From, To, Cc, Reply-To: a display name that looks like RFC 2047 words is encoded for the same reason. */
function addressHeader(key: string, list: { name?: string; address: string }[]): string {
  if (!list.some((a) => a.name?.includes('=?'))) return foldLines(`${key}: ${headerEncoder.encodeHeaderValue(key, list as never)}`, LINE);
  // One mailbox at a time through the encoder (punycode, quoting); the look-alike names as Q
  // words, which RFC 2047 5(3) allows in a phrase. Addresses are validated ASCII.
  const mailboxes = list.map((a) => (a.name?.includes('=?') ? `${encodeWord(a.name, 'Q', 52)} <${a.address}>` : headerEncoder.encodeHeaderValue(key, [a] as never)));
  return foldLines(`${key}: ${mailboxes.join(', ')}`, LINE);
}

/**
 * The stored Reply-To (`addr`, or `Name <addr>` in formatMailbox's text form, which parses back
 * to the same name and address) as the encoder takes it. A text that does not parse (none is
 * stored so; a row written by hand) goes out as an address, as every Reply-To once did, with
 * no line break.
 */
function replyToMailbox(text: string): { name?: string; address: string } {
  try {
    const m = parseMailbox('replyTo', text);
    return m.name ? { name: m.name, address: m.address } : { address: m.address };
  } catch {
    return { address: text.replace(/[\r\n\0]/g, ' ') };
  }
}

/**
 * Composes the message in one synchronous pass: headers, then a single part, a
 * multipart/alternative (text + HTML) and/or a multipart/mixed with the attachments.
 * The output is what nodemailer's mail composer would stream (same header encoders, the
 * same 7bit / quoted-printable / base64 choice, CRLF line ends, 76-column lines), at a
 * fraction of its cost: its stream pipeline spends about as much CPU per message as the
 * SMTP session itself. Bcc never appears; the envelope is built elsewhere from the parsed
 * addresses, not from these headers.
 */
export function composeMime(m: MimeInput): string {
  const lines = [addressHeader('From', [m.from]), addressHeader('To', m.to)];
  if (m.cc.length) lines.push(addressHeader('Cc', m.cc));
  if (m.replyTo) lines.push(addressHeader('Reply-To', [replyToMailbox(m.replyTo)]));
  lines.push(header('Subject', m.subject));
  for (const [key, value] of Object.entries(m.headers)) lines.push(header(key, value));
  lines.push(
    header('Message-ID', m.messageIdHeader ?? `<${m.id}@mailroom.invalid>`),
    `Date: ${rfc5322Date(m.createdAt)}`,
    'MIME-Version: 1.0',
  );
  const body = withAttachments(alternatives(m), m.attachments);
  return `${lines.join('\r\n')}\r\n${body.headers.join('\r\n')}\r\n\r\n${body.content}`;
}

/**
 * An application's own message (the SMTP relay) as it goes out: the header fields Mailroom
 * writes (Received, and Message-ID or Date when the message had none) in front of the bytes
 * the application sent, which stay as they were (its MIME, its encodings, its line lengths).
 */
export function composeRaw(m: Pick<MessageRecord, 'headers'> & { raw: Uint8Array }): Buffer {
  const own = Object.entries(m.headers).map(([key, value]) => `${header(key, value)}\r\n`).join('');
  const raw = Buffer.isBuffer(m.raw) ? m.raw : Buffer.from(m.raw.buffer, m.raw.byteOffset, m.raw.byteLength);
  return Buffer.concat([Buffer.from(own, 'latin1'), raw]);
}

/** A MIME entity: its own header lines and its encoded content. */
interface Part {
  headers: string[];
  content: string;
}

function alternatives(m: MimeInput): Part {
  const parts: Part[] = [];
  if (m.text !== null || m.html === null) parts.push(textPart('text/plain', m.text ?? ''));
  if (m.html !== null) parts.push(textPart('text/html', m.html));
  return parts.length === 1 ? parts[0] : multipart('alternative', parts);
}

function withAttachments(body: Part, attachments: Attachment[]): Part {
  if (!attachments.length) return body;
  return multipart('mixed', [body, ...attachments.map(attachmentPart)]);
}

/**
 * Text as 7bit when it is plain ASCII with short lines, else quoted-printable or base64,
 * whichever suits the text (nodemailer's rule: more Latin letters than other bytes → Q).
 */
function textPart(type: 'text/plain' | 'text/html', text: string): Part {
  const crlf = text.replace(/\r\n|\r|\n/g, '\r\n');
  const headers = [`Content-Type: ${type}; charset=utf-8`];
  if (isPlainText(crlf) && !hasLongerLines(crlf, LINE)) return { headers: [...headers, 'Content-Transfer-Encoding: 7bit'], content: crlf };
  if (preferQuotedPrintable(crlf)) return { headers: [...headers, 'Content-Transfer-Encoding: quoted-printable'], content: qp.wrap(qp.encode(crlf), LINE) };
  return { headers: [...headers, 'Content-Transfer-Encoding: base64'], content: base64.wrap(Buffer.from(crlf).toString('base64'), LINE) };
}

function preferQuotedPrintable(value: string): boolean {
  let other = 0;
  let latin = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 0x08 || c === 0x0b || c === 0x0c || (c >= 0x0e && c <= 0x1f) || c >= 0x80) other++;
    else if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) latin++;
  }
  return other < latin;
}

/**
 * An attachment's Content-Type: its media type with the caller's parameters (validated at
 * accept time: tokens or quoted printable ASCII, never a line break), then `name` from the
 * filename. Each value goes through nodemailer's encoder again, quoted or RFC 2231-encoded as it
 * needs; a stored type that does not parse (none should) goes out as the type alone did before.
 */
function contentTypeOf(a: Attachment): string {
  const media = parseMediaType(a.contentType);
  if (typeof media === 'string') return buildHeaderValue({ value: a.contentType, params: { name: a.filename } });
  return buildHeaderValue({ value: media.type, params: { ...Object.fromEntries(media.params), name: a.filename } });
}

/** The longest line SMTP must carry (RFC 5321 4.5.3.1.6), without its CRLF. */
const SMTP_LINE = 998;

/**
 * An attached mail (message/rfc822) as 7bit, as RFC 2046 5.2.1 wants (never base64 there), when
 * it can be: plain ASCII with lines SMTP carries, its line ends made CRLF. Anything else (8-bit
 * bytes, NUL, longer lines) stays base64, which every reader opens; 8bit would need the peer's
 * 8BITMIME. Either way it stays an attachment: MailComposer's 8bit + inline makes readers merge
 * the attached mail into the text.
 */
function attachedMail(a: Attachment): string | null {
  if (!/^\s*message\/rfc822\s*(?:;|$)/i.test(a.contentType)) return null;
  const crlf = Buffer.from(a.contentBase64, 'base64').toString('latin1').replace(/\r\n|\r|\n/g, '\r\n');
  return isPlainText(crlf) && !hasLongerLines(crlf, SMTP_LINE) ? crlf : null;
}

function attachmentPart(a: Attachment): Part {
  const mail = attachedMail(a);
  // Validated base64 may carry line breaks or other widths: decode and re-wrap at 76.
  const content = mail ?? base64.wrap(Buffer.from(a.contentBase64, 'base64').toString('base64'), LINE);
  return {
    headers: [
      foldLines(`Content-Type: ${contentTypeOf(a)}`, LINE),
      `Content-Transfer-Encoding: ${mail === null ? 'base64' : '7bit'}`,
      foldLines(`Content-Disposition: ${buildHeaderValue({ value: 'attachment', params: { filename: a.filename } })}`, LINE),
    ],
    content,
  };
}

/**
 * A random boundary: quoted-printable and base64 content cannot contain "=_", and 7bit text
 * that happens to contain the boundary (it is unguessable, so only by accident) gets another.
 */
function multipart(subtype: 'alternative' | 'mixed', parts: Part[]): Part {
  let boundary: string;
  do boundary = `=_mr_${randomBytes(10).toString('hex')}`;
  while (parts.some((p) => p.content.includes(boundary)));
  const content = parts.map((p) => `--${boundary}\r\n${p.headers.join('\r\n')}\r\n\r\n${p.content}\r\n`).join('') + `--${boundary}--\r\n`;
  return { headers: [foldLines(`Content-Type: multipart/${subtype}; boundary="${boundary}"`, LINE)], content };
}
