import { asciiDomain } from '../kernel/addresses.js';
import { rfc5322Date } from '../outbox/messages.js';

/**
 * Byte-level rules for a message received over SMTP, before anything reads it. smtp-server ends
 * DATA only on CRLF.CRLF but hands bare LF and bare CR through untouched; another server along
 * the way may read them as line ends, so "<LF>.<CR><LF>" or "<CR>.<CR>" could end the message
 * there and smuggle a second one (CVE-2023-51764 and its kin). Like Postfix's
 * smtpd_forbid_bare_newline, the relay refuses such a message whole. NUL has no place in mail
 * that is not sent as BINARYMIME (which the relay does not offer).
 */

const CR = 0x0d;
const LF = 0x0a;

export interface LineEndingProblem {
  kind: 'bare LF' | 'bare CR' | 'NUL';
  /** Byte offset in the message (after dot-unstuffing). */
  offset: number;
}

/** The first bare CR, bare LF or NUL in `raw`, or null when every line ends in CRLF. */
export function findBadLineEnding(raw: Uint8Array): LineEndingProblem | null {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  // indexOf is native: even a 25 MiB message is scanned in milliseconds.
  const firstWhere = (byte: number, bad: (i: number) => boolean) => {
    for (let i = buf.indexOf(byte); i >= 0; i = buf.indexOf(byte, i + 1)) if (bad(i)) return i;
    return -1;
  };
  const found: LineEndingProblem[] = [
    { kind: 'bare LF' as const, offset: firstWhere(LF, (i) => i === 0 || buf[i - 1] !== CR) },
    { kind: 'bare CR' as const, offset: firstWhere(CR, (i) => buf[i + 1] !== LF) },
    { kind: 'NUL' as const, offset: buf.indexOf(0) },
  ].filter((p) => p.offset >= 0);
  return found.length ? found.reduce((a, b) => (b.offset < a.offset ? b : a)) : null;
}

/** RFC 5322 §2.1.1 and RFC 5321 §4.5.3.1.6: a line is at most 998 characters before its CRLF. */
export const MAX_LINE_OCTETS = 998;

export interface LongLine {
  /** 1 for the message's first line (the header's lines count). */
  line: number;
  /** Its length in octets, CRLF not counted. */
  length: number;
  /** The line is in the header block (not the body). */
  inHeader: boolean;
}

/**
 * The first line longer than MAX_LINE_OCTETS, or null. RFC 5322 2.1.1 allows 998 characters;
 * sent on as it is, a longer line is wrapped by servers on the way (Postfix folds at
 * smtp_line_length_limit, 998), which breaks the DKIM signature Mailroom puts on it and may
 * garble the text. Refused at the end of DATA, as RFC 5321 4.5.3.1.6 lets a server do, so that the
 * sender learns it (its library's quoted-printable or base64 keeps lines short) rather than a
 * reader. Only called on messages whose lines all end in CRLF.
 */
export function findLongLine(raw: Uint8Array, headerEnd: number): LongLine | null {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  let line = 1;
  for (let start = 0; start < buf.length; line++) {
    const crlf = buf.indexOf('\r\n', start);
    const stop = crlf < 0 ? buf.length : crlf;
    if (stop - start > MAX_LINE_OCTETS) return { line, length: stop - start, inHeader: start < headerEnd };
    start = stop + 2;
  }
  return null;
}

/**
 * Where the header block ends: the offset just past the CRLF of its last field (the empty line
 * that separates the body follows). A message of headers only has no empty line: all of it.
 * Only called on messages whose lines all end in CRLF (see findBadLineEnding).
 */
export function headerBlockEnd(raw: Uint8Array): number {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (buf[0] === CR && buf[1] === LF) return 0;
  const gap = buf.indexOf('\r\n\r\n');
  return gap < 0 ? buf.length : gap + 2;
}

/** Bcc and Resent-Bcc: an application may write who it blind-copied into its own headers. */
const BCC = /^(resent-)?bcc[ \t]*:/i;
/** A Message-ID or Date with nothing in it (spaces and folding only): as good as none. */
const BLANK_ID_OR_DATE = /^(message-id|date)[ \t]*:(?:[ \t]|\r\n[ \t])*$/i;

/**
 * Whether a header field (its first line and folded lines, as written) stays out of what the
 * relay queues: Bcc and Resent-Bcc (sent on, every recipient would read the list; Postfix's
 * cleanup removes both for the same reason), and a blank Message-ID or Date (Mailroom writes its
 * own in front instead; left in, the message would carry two, the blank one DKIM-signed).
 */
export function droppedByRelay(field: string): boolean {
  return BCC.test(field) || BLANK_ID_OR_DATE.test(field);
}

/** The message without its Bcc and Resent-Bcc fields. */
export function withoutBcc(raw: Uint8Array, headerEnd: number): Uint8Array {
  return withoutFields(raw, headerEnd, (f) => BCC.test(f));
}

/**
 * The message without the header fields `drop` picks. A field is its first line and every
 * folded line after it. Returns the message itself when none is dropped.
 */
export function withoutFields(raw: Uint8Array, headerEnd: number, drop: (field: string) => boolean): Uint8Array {
  const text = Buffer.from(raw.buffer, raw.byteOffset, headerEnd).toString('latin1');
  const fields = text.split(/\r\n(?![ \t])/);
  const kept = fields.filter((f) => f !== '' && !drop(f));
  if (kept.length === fields.filter((f) => f !== '').length) return raw;
  const head = Buffer.from(kept.length ? `${kept.join('\r\n')}\r\n` : '', 'latin1');
  return Buffer.concat([head, Buffer.from(raw.buffer, raw.byteOffset + headerEnd, raw.byteLength - headerEnd)]);
}

/**
 * Whether one mailbox list (a From or Sender value, unfolded) reads the same to every parser:
 * each mailbox is a bare address or a phrase without "@", "<" and ">" followed by one
 * <address>; quoted strings and (nested) comments may appear anywhere. mailparser is lenient:
 * it reads `evil@evil.com <billing@example.com>` and `<billing@example.com> evil@evil.com` as
 * billing@example.com, where stricter readers (Python's email package, filters, some mail
 * programs) take evil@evil.com for the author, so the allowedFrom check would judge another
 * address than the recipient sees.
 */
function unambiguousMailboxList(value: string): boolean {
  let skeleton = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '"') {
      for (i++; i < value.length && value[i] !== '"'; i++) if (value[i] === '\\') i++;
      if (i >= value.length) return false;
      skeleton += 'q';
    } else if (ch === '(') {
      let depth = 1;
      for (i++; i < value.length && depth > 0; i++) {
        if (value[i] === '\\') i++;
        else if (value[i] === '(') depth++;
        else if (value[i] === ')') depth--;
      }
      if (depth > 0) return false;
      i--;
      skeleton += ' ';
    } else if (ch === ')') return false;
    else skeleton += ch;
  }
  const parts: string[] = [];
  let part = '';
  let inAngle = false;
  for (const ch of skeleton) {
    if (ch === '<') inAngle = true;
    else if (ch === '>') inAngle = false;
    if (ch === ',' && !inAngle) {
      parts.push(part);
      part = '';
    } else part += ch;
  }
  parts.push(part);
  return parts.every((p) => {
    const t = p.trim();
    if (!t) return true;
    if (t.includes('<') || t.includes('>')) return /^[^<>@]*<[ \t]*[^<>\s]+[ \t]*>$/.test(t);
    return !/\s/.test(t);
  });
}

/**
 * The first of the From and Sender fields (authorFields) whose mailboxes another parser could
 * read differently from Mailroom's (see unambiguousMailboxList), or null; its value in UTF-8.
 */
export function ambiguousAuthor(fields: readonly AuthorField[]): AuthorField | null {
  for (const f of fields) {
    if (!unambiguousMailboxList(f.value)) return { field: f.field, value: Buffer.from(f.value, 'latin1').toString('utf8') };
  }
  return null;
}

/** An RFC 2047 encoded word: charset (an RFC 2231 language after "*" ignored), B or Q, the text. */
const ENCODED_WORD = /=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bq])\?([^?\s]*)\?=/gi;

/**
 * Text with its RFC 2047 encoded words decoded, as mail programs show it. As lenient as
 * mailparser (and mail programs) are: words inside quoted strings and comments, and the blanks
 * between two words dropped (RFC 2047 §6.2). A charset the runtime cannot decode is read as
 * latin1, which keeps its ASCII ("@" included).
 */
export function decodeEncodedWords(text: string): string {
  return text.replace(/(\?=)[ \t]+(?==\?)/g, '$1').replace(ENCODED_WORD, (_word, charset: string, encoding: string, data: string) => {
    const bytes =
      encoding.toLowerCase() === 'b'
        ? Buffer.from(data, 'base64')
        : Buffer.from(data.replace(/_/g, ' ').replace(/=([0-9a-f]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
    try {
      return new TextDecoder(charset).decode(bytes);
    } catch {
      return bytes.toString('latin1');
    }
  });
}

/** What looks like an address to a person reading a name: `local@domain`, without blanks or brackets. */
const ADDRESS_LIKE = /[^\s<>()[\]\\,;:"@]+@[^\s<>()[\]\\,;:"@]+/g;

/** Each address-like text in `text`, as compared: lower-cased, the domain in ASCII, trailing dots dropped. */
function addressesIn(text: string): string[] {
  return [...text.matchAll(ADDRESS_LIKE)].map((m) => comparable(m[0].replace(/\.+$/, ''))).filter((a) => !a.startsWith('@') && !a.endsWith('@'));
}

function comparable(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? address.toLowerCase() : `${address.slice(0, at).toLowerCase()}@${asciiDomain(address.slice(at + 1).toLowerCase())}`;
}

/** One mailbox of an author field as written: its address, its display name (quotes removed), its comments. */
interface WrittenMailbox {
  address: string;
  name: string;
  comments: string[];
}

/** The mailboxes of an author field that ambiguousAuthor let through (each an address, or a name and <address>). */
function writtenMailboxes(value: string): WrittenMailbox[] {
  const out: WrittenMailbox[] = [];
  let phrase = '';
  let angle: string | null = null;
  let comments: string[] = [];
  const end = () => {
    if (angle !== null || phrase.trim()) out.push({ address: (angle ?? phrase).trim(), name: angle === null ? '' : phrase.trim(), comments });
    phrase = '';
    angle = null;
    comments = [];
  };
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '"') {
      for (i++; i < value.length && value[i] !== '"'; i++) phrase += value[i] === '\\' ? (value[++i] ?? '') : value[i];
    } else if (ch === '(') {
      let depth = 1;
      let text = '';
      for (i++; i < value.length; i++) {
        const c = value[i];
        if (c === '\\') text += value[++i] ?? '';
        else if (c === ')' && --depth === 0) break;
        else {
          if (c === '(') depth++;
          text += c;
        }
      }
      comments.push(text);
    } else if (ch === '<') {
      const close = value.indexOf('>', i);
      angle = value.slice(i + 1, close < 0 ? undefined : close);
      i = close < 0 ? value.length : close;
    } else if (ch === ',') end();
    else phrase += ch;
  }
  end();
  return out;
}

/** An author mailbox whose display name or comment reads as another address (addressInAuthorName). */
export interface AddressInName {
  field: 'From' | 'Sender';
  /** The mailbox's own address, as written. */
  address: string;
  kind: 'display name' | 'comment';
  /** The name or comment as written (a comment with its parentheses), and decoded. */
  written: string;
  decoded: string;
  /** The other address it holds. */
  found: string;
}

/**
 * The first From or Sender mailbox (of fields ambiguousAuthor let through) whose display name
 * or comment, its encoded words decoded, holds an address other than the mailbox's own, or null.
 * The allowedFrom check reads the address in the brackets; a person reads the name, and mail
 * programs show an encoded word decoded (`=?utf-8?q?evil=40example.com?= <billing@…>` is
 * "evil@example.com" <billing@…> on screen, and a program that decodes before it parses reads
 * the ambiguous `evil@example.com <billing@…>`) and a comment as the name
 * (`billing@… (evil@example.com)`). A quoted name holding an address as plain text is the
 * accepted way to write one (docs/relay.md), and a name that is the mailbox's own address
 * misleads no one: both pass.
 */
export function addressInAuthorName(fields: readonly AuthorField[]): AddressInName | null {
  for (const f of fields) {
    for (const m of writtenMailboxes(Buffer.from(f.value, 'latin1').toString('utf8'))) {
      const own = comparable(m.address);
      const candidates: { kind: AddressInName['kind']; written: string; plain: string[]; text: string }[] = [
        ...(m.name ? [{ kind: 'display name' as const, written: m.name, plain: addressesIn(m.name), text: m.name }] : []),
        ...m.comments.map((c) => ({ kind: 'comment' as const, written: `(${c})`, plain: [], text: c })),
      ];
      for (const c of candidates) {
        const decoded = decodeEncodedWords(c.text);
        const found = addressesIn(decoded).find((a) => a !== own && !c.plain.includes(a));
        if (found) return { field: f.field, address: m.address, kind: c.kind, written: c.written, decoded: c.kind === 'comment' ? `(${decoded})` : decoded, found };
      }
    }
  }
  return null;
}

/** A From or Sender field as written: its value unfolded, in latin1 (the header's bytes). */
export type AuthorField = { field: 'From' | 'Sender'; value: string };

/**
 * Every From and Sender field of the header block as written (values unfolded, latin1), read
 * here rather than by the MIME parser: counted by the parser, a field it skips (mailparser takes
 * a first line beginning "From " for an mbox separator, "FROM : x" too) would be a From that no
 * check saw and recipients' programs show. Only called on a header block whose lines all end in
 * CRLF.
 */
export function authorFields(headerBlock: Uint8Array): AuthorField[] {
  const text = Buffer.from(headerBlock.buffer, headerBlock.byteOffset, headerBlock.byteLength).toString('latin1');
  return text.split(/\r\n(?![ \t])/).flatMap((f) => {
    const m = /^(from|sender)[ \t]*:(.*)$/is.exec(f);
    return m ? [{ field: m[1].toLowerCase() === 'from' ? ('From' as const) : ('Sender' as const), value: m[2].replace(/\r\n(?=[ \t])/g, '').trim() }] : [];
  });
}

/**
 * The first line of the header block that is no header field, or null. Every line must be a
 * field (`name:`, the name printable ASCII without a colon, then optional whitespace, RFC 5322
 * §3.6.8 and its obsolete syntax) or a folded continuation of one. Readers part ways on anything
 * else: mailparser drops a first line beginning "From " as an mbox separator (so a "FROM : …"
 * there was a From field no check saw), Python's email ends the header at a line without a colon
 * (so a From after it is body text to it and a header to others). Only called on a header block
 * whose lines all end in CRLF.
 */
export function malformedHeaderLine(headerBlock: Uint8Array): { line: number; text: string; why: string } | null {
  const lines = Buffer.from(headerBlock.buffer, headerBlock.byteOffset, headerBlock.byteLength).toString('latin1').split('\r\n');
  // The block ends in CRLF: the last element is the empty rest after it.
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  const shown = (l: string) => Buffer.from(l, 'latin1').toString('utf8');
  // An mbox separator ("From " at the very start, in any case) is skipped by mbox-aware readers
  // and read as a field by others, whatever follows it.
  if (lines.length && /^from /i.test(lines[0])) return { line: 1, text: shown(lines[0]), why: 'begins with "From ", which mail readers take for an mbox separator and skip: write "From:" with no space before the colon' };
  for (const [i, l] of lines.entries()) {
    const continuation = i > 0 && (l.startsWith(' ') || l.startsWith('\t'));
    if (!continuation && !/^[\x21-\x39\x3b-\x7e]+[ \t]*:/.test(l)) {
      return { line: i + 1, text: shown(l), why: 'is no header field: every header line must be "Name: value" or a folded continuation, and an empty line must separate the header from the body' };
    }
  }
  return null;
}

/**
 * Printable ASCII only, for values Mailroom writes into a trace header (HELO names are the
 * client's), and none of the characters that give the field structure: a "(" opens a comment
 * that would swallow the rest of the field, its date too (a ")" closes one never opened), a ";"
 * is where the date begins, and a backslash or a double quote makes the composer send the whole
 * field as encoded words, which no reader decodes in a Received field. Each becomes "?".
 */
export function traceText(s: string, max = 200): string {
  return s.replace(/[^\x21-\x7e]|[();\\"]/g, '?').slice(0, max);
}

/**
 * The Received field a submission server adds (RFC 5321 4.4): who handed the message over
 * (its HELO name and address), to whom, how (RFC 3848 ESMTP[S][A]) and when.
 */
export function receivedHeader(t: { helo: string; clientIp: string; serverName: string; protocol: string; at: number }): string {
  return `from ${traceText(t.helo || 'unknown')} ([${traceText(t.clientIp, 64)}]) by ${traceText(t.serverName)} (Mailroom) with ${traceText(t.protocol, 16)}; ${rfc5322Date(t.at)}`;
}
