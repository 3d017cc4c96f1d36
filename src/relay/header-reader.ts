import type { AddressObject, EmailAddress } from 'mailparser';
import { utf8HeaderBlock } from '../legacy-header-bytes.js';
import { mailparser } from '../mailparser-module.js';
import { MAX_HEADER_BYTES, type MessageHeaders, type MimeHeaderReader } from '../core/relay/ports.js';
import { headerTooLarge } from '../core/relay/submission.js';

type Mailbox = { name?: string; address: string };

/** Every mailbox of an address header; a group's members count, a group name alone is ''. */
function mailboxes(v: unknown, flattenGroups: boolean): Mailbox[] {
  const objects = (Array.isArray(v) ? v : v ? [v] : []) as AddressObject[];
  const out: Mailbox[] = [];
  const add = (e: EmailAddress) => {
    if (e.group) {
      // In From or Sender a group names no author: it is refused as an address that does not parse.
      if (flattenGroups) e.group.forEach(add);
      else out.push({ ...(e.name ? { name: e.name } : {}), address: '' });
      return;
    }
    out.push({ ...(e.name ? { name: e.name } : {}), address: e.address ?? '' });
  };
  for (const o of objects) (o?.value ?? []).forEach(add);
  return out;
}

/** A field with nothing after its colon but spaces and folding: counted as absent. */
const blank = (l: { line?: string }) => typeof l.line === 'string' && l.line.slice(l.line.indexOf(':') + 1).trim() === '';

function summary(h: Map<string, unknown>, lines: { key: string; line?: string }[]): MessageHeaders {
  const count = (key: string) => lines.filter((l) => l.key === key).length;
  const text = (key: string) => (typeof h.get(key) === 'string' ? (h.get(key) as string) : null);
  return {
    subject: text('subject'),
    from: mailboxes(h.get('from'), false),
    sender: mailboxes(h.get('sender'), false),
    fromFields: count('from'),
    senderFields: count('sender'),
    to: mailboxes(h.get('to'), true),
    cc: mailboxes(h.get('cc'), true),
    // mailparser's form, in angle brackets even when the field has none (`Message-ID: abc`): the
    // form a reply's In-Reply-To and References are read in, so the log keeps that one while the
    // message goes out as written (docs/relay.md).
    messageId: text('message-id')?.trim() || null,
    // mailparser gives a blank Date the current time: only a Date field with a value counts.
    hasDate: lines.length ? lines.some((l) => l.key === 'date' && !blank(l)) : h.has('date'),
    hasBcc: count('bcc') > 0 || h.has('bcc'),
  };
}

/**
 * A header line in raw 8-bit bytes that are not UTF-8 is read as Windows-1252, as mail clients
 * read such a line. Only what the log shows: the message goes out with its bytes as written.
 */
const windows1252 = new TextDecoder('windows-1252');
const readableHeaderBlock = (block: Buffer) => utf8HeaderBlock(block, (line) => windows1252.decode(line));

/** The empty line the reader adds after the block to end it: mailparser counts it as header. */
const END_OF_HEADER = Buffer.from('\r\n');

/**
 * The relay's header reader: mailparser decodes the header block (RFC 2047 words, folding,
 * address lists) and the relay never parses MIME by hand. Only the header block is given to
 * it: the body is sent on as it is and needs no reading.
 */
export const mailparserHeaderReader: MimeHeaderReader = {
  async read(headerBlock) {
    const { MailParser } = await mailparser();
    return new Promise((resolve, reject) => {
      // The limit is the core's (MAX_HEADER_BYTES, mailparser's default), stated here so that a
      // block the core let through is never refused by the parser over the empty line added below.
      // A legacy line read as Windows-1252 grows (ü: one byte, two in UTF-8): the limit grows with it.
      const readable = readableHeaderBlock(Buffer.from(headerBlock.buffer, headerBlock.byteOffset, headerBlock.byteLength));
      const parser = new MailParser({ skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true, skipTextLinks: true, maxHeadSize: Math.max(MAX_HEADER_BYTES, readable.length) + END_OF_HEADER.length });
      let headers = new Map<string, unknown>();
      // mailparser emits the decoded headers, then the raw lines (which count repeated fields).
      parser.on('headers', (h: Map<string, unknown>) => (headers = h));
      parser.on('headerLines', (lines: { key: string; line: string }[]) => resolve(summary(headers, lines)));
      // The parser's size limit is the client's problem (552), not a local error the client would retry.
      parser.on('error', (err: Error & { code?: string }) => reject(err.code === 'EMAXLEN' ? headerTooLarge(headerBlock.byteLength) : err));
      // Nothing but the header node comes out; reading keeps the stream flowing to its end.
      parser.on('data', (d: { release?: () => void }) => d.release?.());
      parser.on('end', () => resolve(summary(headers, [])));
      parser.end(Buffer.concat([readable, END_OF_HEADER]));
    });
  },
};
