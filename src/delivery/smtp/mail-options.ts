import type { SendMailOptions } from 'nodemailer';
import { composeMime, composeRaw } from '../mime.js';
import type { OutgoingMessage } from '../outgoing.js';

/**
 * The ONE place a stored message becomes nodemailer's message options (DKIM signing is
 * added here). The MIME document is the application's own (composeRaw: a relay message) or
 * composed by composeMime (Bcc never appears in it;
 * attachments are inline base64 content, never a path or URL); the envelope is built from
 * the parsed, stored addresses only, with the message's log id as its DSN envelope id.
 * nodemailer's pooled transport signs and sends it.
 */
/** nodemailer passes unknown options through to the transport: the pool orders by this one. */
export interface MailroomMailOptions extends SendMailOptions {
  /** The message's priority (from its purpose): higher is sent first from the pool's queue. */
  mailroomPriority?: number;
}

export function buildMailOptions(out: OutgoingMessage, dkim?: SendMailOptions['dkim']): MailroomMailOptions {
  return {
    mailroomPriority: out.message.priority,
    raw: out.message.raw ? composeRaw({ headers: out.message.headers, raw: out.message.raw }) : composeMime(out.message),
    envelope: { from: out.message.envelopeFrom, to: out.recipients },
    // RFC 3461 ENVID: where the server offers DSN, its bounces name the message by its log id
    // (Original-Envelope-Id), so a bounce that returns no headers still finds its message.
    dsn: { id: out.message.id },
    disableFileAccess: true,
    disableUrlAccess: true,
    ...(dkim ? { dkim } : {}),
  };
}
