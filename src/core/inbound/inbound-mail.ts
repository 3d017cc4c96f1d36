/**
 * A received message as the core sees it, once an adapter (src/inbound, mailparser) has read
 * the MIME: the few facts that decide what it is and what it answers. The core never parses
 * MIME itself.
 */
export interface InboundMail {
  /** The Message-ID header with its angle brackets; null when the message has none. */
  messageId: string | null;
  /** Message-IDs from In-Reply-To, then References (newest last), angle brackets kept. */
  inReplyTo: string[];
  references: string[];
  from: { name?: string; address: string } | null;
  to: { name?: string; address: string }[];
  cc: { name?: string; address: string }[];
  /** The Reply-To's mailbox in its stored text form (`Name <addr>`, formatMailbox); null when absent. */
  replyTo: string | null;
  /** The Return-Path (envelope sender) the server recorded; "" for the null sender `<>`. */
  returnPath: string | null;
  subject: string;
  /** The Date header, epoch ms; null when absent or unreadable. */
  date: number | null;
  text: string | null;
  html: string | null;
  /** The reply's own words, quoted text and signature removed (email-reply-parser); null when no text part. */
  newText: string | null;
  /**
   * The message's own header fields for the log, by name as written, unfolded; a repeated
   * field's values one per line; bounded (src/inbound/header-fields.ts).
   */
  headers: Record<string, string>;
  /** Header fields that say what the message is (lower-case names): auto-submitted, precedence, x-autoreply … */
  markers: Record<string, string>;
  /** multipart/report's report-type (delivery-status, global-delivery-status, feedback-report, disposition-notification), lower-case. */
  reportType: string | null;
  /** The per-recipient fields of a message/delivery-status (RFC 3464) or message/global-delivery-status (RFC 6533) part; empty when none. */
  deliveryStatus: DsnRecipient[];
  /**
   * The Message-ID of the message a bounce or report returns: its message/rfc822 or
   * text/rfc822-headers part, or the headers a plain-text bounce quotes below its notice
   * (Exim's "------ This is a copy of the message, including all the headers. ------").
   */
  returnedMessageId: string | null;
  /**
   * A plain-text bounce's own words (a message with X-Failed-Recipients that is no report, as
   * Exim sends them): its text above the copy of the returned message, which is left out (it
   * is the sender's text, not the MTA's). Null for any other message.
   */
  bounceNotice: string | null;
  /**
   * A delivery status notification's Original-Envelope-Id (RFC 3461 ENVID, xtext decoded): the
   * id Mailroom gave the transaction (the message's log id), echoed by MTAs that support DSN.
   */
  envelopeId: string | null;
  /** The recipient an abuse report (ARF) is about. */
  feedback: { type: string; recipient: string | null } | null;
  /** Names, types and sizes only: attachment content is not kept in the log. */
  attachments: { filename: string; contentType: string; sizeBytes: number }[];
  sizeBytes: number;
  /** True when only the headers were read (the message is larger than the body cap). */
  headersOnly: boolean;
  /**
   * Why the body could not be read as MIME (a multipart without a boundary, parts the parser
   * found none of), when it could not: `text` holds the body as sent then, so nothing is lost
   * unseen. Null for every readable message.
   */
  unreadableBody: string | null;
}

/** One recipient block of a delivery status notification. */
export interface DsnRecipient {
  /**
   * Final-Recipient without its address type ("rfc822;", or RFC 6533's "utf-8;" with its
   * \x{HEX} escapes decoded).
   */
  finalRecipient: string | null;
  originalRecipient: string | null;
  /** failed | delayed | delivered | relayed | expanded */
  action: string | null;
  /** The enhanced status code, e.g. 5.1.1 */
  status: string | null;
  /** Diagnostic-Code without its type ("smtp;"). */
  diagnostic: string | null;
}
