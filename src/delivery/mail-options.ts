import type { SendMailOptions } from 'nodemailer';
import type { OutgoingMessage } from './outgoing.js';

/**
 * The ONE place a stored message becomes nodemailer's message options (DKIM signing is
 * added here). The envelope is built from the parsed, stored addresses only; Bcc never
 * appears in a header; attachments are inline base64 content, never a path or URL.
 */
export function buildMailOptions(out: OutgoingMessage, dkim?: SendMailOptions['dkim']): SendMailOptions {
  const m = out.message;
  const mailbox = (a: { name?: string; address: string }) => (a.name ? { name: a.name, address: a.address } : a.address);
  return {
    from: mailbox(m.from),
    to: m.to.map(mailbox),
    ...(m.cc.length ? { cc: m.cc.map(mailbox) } : {}),
    ...(m.replyTo ? { replyTo: m.replyTo } : {}),
    subject: m.subject,
    ...(m.text !== null ? { text: m.text } : {}),
    ...(m.html !== null ? { html: m.html } : {}),
    headers: m.headers,
    attachments: m.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.contentBase64, encoding: 'base64' })),
    ...(m.messageIdHeader ? { messageId: m.messageIdHeader } : {}),
    date: new Date(m.createdAt),
    envelope: { from: m.envelopeFrom, to: out.recipients },
    disableFileAccess: true,
    disableUrlAccess: true,
    ...(dkim ? { dkim } : {}),
  };
}
