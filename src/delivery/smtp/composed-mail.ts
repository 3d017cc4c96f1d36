import type { Readable } from 'node:stream';
import DKIM from 'nodemailer/lib/dkim';
import type { DkimSigningOptions } from '../../core/senders/dkim.service.js';
import type { MessageRecord } from '../../core/outbox/ports.js';
import { composeMime, composeRaw, type MimeInput } from '../mime.js';

/**
 * A message ready for one SMTP transaction: the document, the envelope and what the pool and
 * the signer need. The ONE place a stored message becomes what goes on the wire. The document
 * is the application's own (composeRaw: a relay message) or composed by composeMime (Bcc never
 * appears in it; attachments are inline base64 content, never a path or URL); the envelope is
 * built from the parsed, stored addresses only (validated, domains in punycode), with the
 * message's log id as its DSN envelope id.
 *
 * nodemailer's SMTPConnection speaks SMTP (dot-stuffing, CRLF line ends, the final dot); its
 * mail layer (plugins, MailComposer, MimeNode streams) is not used: for a document that is
 * already composed it only drew random bytes for a Message-ID nobody read and piped the bytes
 * through four streams, about a fifth of the SMTP thread's CPU per message.
 */
export interface ComposedMail {
  /** The RFC 5322 document, ending with a line break. */
  document: string | Buffer;
  /** use8BitMime: the message has 8-bit bytes (a relayed message may): nodemailer then sends BODY=8BITMIME where the server offers it (RFC 6152). */
  envelope: { from: string; to: string[]; dsn?: { id: string }; use8BitMime?: boolean };
  /** The message's priority (from its purpose): higher is sent first from the pool's queue. */
  priority: number;
  dkim?: DkimSigningOptions;
}

/**
 * What sending needs of an attempt (an OutgoingMessage): the stored message's content, sender
 * and priority, and the recipients still to reach. The transports take no more than this.
 */
export interface Composable {
  message: MimeInput & Pick<MessageRecord, 'raw' | 'envelopeFrom' | 'priority'>;
  recipients: string[];
}

/**
 * An attempt reduced to what sending needs, for the trip to the SMTP thread: the claimed row
 * carries twice as many fields (lease, routing, counters, the recipients' records), and every
 * one of them would be copied across and kept alive while the message waits for a connection,
 * through young-generation collections that copy whatever is still alive.
 */
export function composable(out: Composable): Composable {
  const m = out.message;
  return {
    message: {
      id: m.id,
      from: m.from,
      to: m.to,
      cc: m.cc,
      replyTo: m.replyTo,
      subject: m.subject,
      text: m.text,
      html: m.html,
      headers: m.headers,
      attachments: m.attachments,
      messageIdHeader: m.messageIdHeader,
      createdAt: m.createdAt,
      raw: m.raw,
      envelopeFrom: m.envelopeFrom,
      priority: m.priority,
    },
    recipients: out.recipients,
  };
}

export function composeMail(out: Composable, dkim?: DkimSigningOptions): ComposedMail {
  const m = out.message;
  return {
    document: endWithLineBreak(m.raw ? composeRaw({ headers: m.headers, raw: m.raw }) : composeMime(m)),
    // A recipient listed twice gets the message once (nodemailer's envelope did the same).
    // RFC 3461 ENVID: where the server offers DSN, its bounces name the message by its log id
    // (Original-Envelope-Id), so a bounce that returns no headers still finds its message.
    // A message Mailroom composes is 7-bit (quoted-printable and base64); one relayed as the
    // application wrote it may be 8-bit, which RFC 6152 says to announce with BODY=8BITMIME.
    envelope: { from: m.envelopeFrom, to: [...new Set(out.recipients)], dsn: { id: m.id }, ...(m.raw && hasEightBitBytes(m.raw) ? { use8BitMime: true } : {}) },
    priority: m.priority,
    ...(dkim ? { dkim } : {}),
  };
}

/** What the SMTP session reads: the document, with a DKIM-Signature in front when the From domain has a key. */
export function wireMessage(mail: ComposedMail): string | Buffer | Readable {
  return mail.dkim ? new DKIM(mail.dkim).sign(mail.document) : mail.document;
}

/**
 * A document whose last line has no line break gets CRLF (a lone CR gets its LF), before it
 * is signed: the body a DKIM signature covers is the body the server receives.
 */
export function endWithLineBreak<T extends string | Buffer>(doc: T): T {
  const last = typeof doc === 'string' ? doc.charCodeAt(doc.length - 1) : doc[doc.length - 1];
  if (last === 0x0a) return doc;
  const tail = last === 0x0d ? '\n' : '\r\n';
  return (typeof doc === 'string' ? doc + tail : Buffer.concat([doc, Buffer.from(tail)])) as T;
}

function hasEightBitBytes(raw: Uint8Array): boolean {
  for (const byte of raw) if (byte > 0x7f) return true;
  return false;
}
