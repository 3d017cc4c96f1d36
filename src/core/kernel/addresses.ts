import emailAddresses from 'email-addresses';
import { domainToASCII } from 'node:url';
import { ErrorCodes, MailroomError } from './errors.js';
import { hasHeaderUnsafeChars } from './header-safety.js';

// The text form lives apart (no Node imports): code that runs without Node (the admin UI) can use it as it is.
import { formatMailbox } from './mailbox-text.js';
export { formatMailbox };

/** One mailbox, parsed once. The envelope, the headers and every allow-list use this result. */
export interface Mailbox {
  /** Display name, if one was given. */
  name?: string;
  /** local@domain with the domain in ASCII (punycode): what goes into the SMTP envelope. */
  address: string;
  local: string;
  /** ASCII (punycode) domain, lower-cased. */
  domain: string;
}

/** RFC 1035 §2.3.4: the longest label of a domain, in octets. */
export const LABEL_MAX_OCTETS = 63;

/** The longest domain as text (RFC 1035's 255 octets on the wire: 253 characters without the final dot). */
export const DOMAIN_MAX_OCTETS = 253;

/**
 * What is wrong with a domain (in ASCII, lower-cased) as a mail exchanger's name, in words, or
 * undefined: RFC 5321's Domain, so no "_" and no label that starts or ends with "-" (no mail
 * exchanger has such a name), and DNS's lengths, which a label with the right letters can still
 * break. Each fault is named as it is: a label of 70 letters is too long, not badly spelt.
 */
export function domainFault(domain: string): string | undefined {
  const faults: string[] = [];
  const labels = domain.split('.');
  const numeric = numericLastLabel(domain);
  if (numeric !== undefined) faults.push(numeric);
  if (!labels.every((l) => /^[a-z0-9-]+$/.test(l) && !l.startsWith('-') && !l.endsWith('-'))) {
    faults.push('each label is letters, digits and hyphens, not starting or ending with a hyphen');
  }
  for (const l of labels) {
    if (l.length > LABEL_MAX_OCTETS) faults.push(`label ${l} is ${l.length} characters; a label is at most ${LABEL_MAX_OCTETS}`);
  }
  if (domain.length > DOMAIN_MAX_OCTETS) faults.push(`it is ${domain.length} characters; a domain is at most ${DOMAIN_MAX_OCTETS}`);
  return faults.length ? faults.join('; ') : undefined;
}

/**
 * A domain whose last label is a number (`1.2.3.4`, `10.1`, `0x7f.1`) is an IP address to
 * URL parsers: domainToASCII rewrites `1.2.3` as `1.2.0.3` and `0x7f.1` as `127.0.0.1`, so such a
 * domain is refused in words before it is converted. No top-level domain is all digits (RFC 3696 §2).
 */
function numericLastLabel(domain: string): string | undefined {
  const last = domain.replace(/\.$/, '').split('.').pop() ?? '';
  if (!/^(?:0x[0-9a-f]*|[0-9]+)$/i.test(last)) return undefined;
  return `its last label ${last} is a number, which makes it an IP address (not accepted as a domain); a host name ends in a name`;
}

/** RFC 5321 §4.5.3.1.1: the longest local part, in octets. */
export const LOCAL_PART_MAX_OCTETS = 64;

function refuse(field: string, input: string, why: string): MailroomError {
  return new MailroomError(ErrorCodes.INVALID_ADDRESS, `${field}: "${input}" is not accepted: ${why}`, {
    field,
    input,
  });
}

/**
 * A domain as DNS and Mailroom's store spell it: each label written in Unicode in its ASCII form
 * (`bücher.example` → `xn--bcher-kva.example`), every other label as given; a label that has no
 * ASCII form stays as it was, for the caller's own check to name.
 */
export function asciiDomain(text: string): string {
  return text
    .split('.')
    .map((label) => (/^[ -~]*$/.test(label) ? label : domainToASCII(label) || label))
    .join('.');
}

/**
 * Parses one address strictly: `local@domain` or `Name <local@domain>`. Groups, comments,
 * quoted local parts, domain literals and non-ASCII local parts are refused, because every
 * one of them is a way for two parsers to disagree about where mail goes.
 */
export function parseMailbox(field: string, input: string): Mailbox {
  const hit = typeof input === 'string' ? memo.get(input) : undefined;
  // A copy: callers own their result, the memo keeps its own.
  if (hit) return { ...hit };
  const mailbox = parseUncached(field, input);
  // Map order is insertion order: the first key is the oldest entry.
  if (memo.size >= PARSED_MAX) memo.delete(memo.keys().next().value as string);
  memo.set(input, mailbox);
  return { ...mailbox };
}

/** How long a mailbox's text may be where one is stored as text (a Reply-To: varchar(320) columns). */
export const MAILBOX_TEXT_MAX = 320;

/**
 * A mailbox as it is stored where one text holds it (a message's or an account's Reply-To): its
 * one text form (formatMailbox: the name kept, quoted when it needs it, the domain in ASCII),
 * refused when that is longer than MAILBOX_TEXT_MAX, as the input would have been.
 */
export function mailboxText(field: string, m: { name?: string; address: string }): string {
  const text = formatMailbox(m);
  if (text.length > MAILBOX_TEXT_MAX) throw refuse(field, text.slice(0, 40) + '…', `written out (${text.length} characters: the name quoted where it needs it, the domain in ASCII) it is longer than ${MAILBOX_TEXT_MAX} characters`);
  return text;
}

/**
 * Parsing is a pure function of the input and costs ~50 µs (the RFC 5322 grammar); the same
 * few addresses come back with every message, so successful results are remembered (bounded).
 * Refusals are not remembered: their message names the field.
 */
const PARSED_MAX = 2_000;
const memo = new Map<string, Mailbox>();

function parseUncached(field: string, input: string): Mailbox {
  if (typeof input !== 'string' || input.trim() === '') throw refuse(field, String(input), 'it is empty');
  if (hasHeaderUnsafeChars(input)) {
    throw new MailroomError(ErrorCodes.HEADER_INJECTION, `${field} contains a line break or NUL character`, {
      field,
    });
  }
  if (input.length > 320) throw refuse(field, input.slice(0, 40) + '…', 'it is longer than 320 characters');
  const parsed = emailAddresses.parseOneAddress({ input: input.trim(), rfc6532: true, rejectTLD: true });
  if (!parsed) throw refuse(field, input, 'it is not a single valid address such as name@example.com');
  if (parsed.type !== 'mailbox') throw refuse(field, input, 'address groups are not accepted');
  const mailbox = parsed as emailAddresses.ParsedMailbox;
  const comments = mailbox.parts.comments?.some((c) => c.semantic?.includes('(') || c.tokens.includes('('));
  if (comments) throw refuse(field, input, 'comments in parentheses are not accepted');
  if (mailbox.parts.local.tokens.trim().startsWith('"')) throw refuse(field, input, 'quoted local parts are not accepted');
  if (mailbox.domain.startsWith('[')) throw refuse(field, input, 'IP address literals are not accepted as domains');
  if (!/^[\x21-\x7e]+$/.test(mailbox.local)) {
    throw refuse(field, input, 'the part before @ must be ASCII (internationalised local parts are not supported)');
  }
  // RFC 5321 §4.5.3.1.1: a local part is at most 64 octets (UTF-8 bytes, should SMTPUTF8 local
  // parts be taken one day). A longer one failed only at a server that enforces it, or never.
  const octets = Buffer.byteLength(mailbox.local, 'utf8');
  if (octets > LOCAL_PART_MAX_OCTETS) throw refuse(field, input, `the part before @ is ${octets} octets; RFC 5321 allows at most ${LOCAL_PART_MAX_OCTETS}`);
  const numeric = numericLastLabel(mailbox.domain);
  if (numeric) throw refuse(field, input, `the domain is not a valid host name: ${numeric}`);
  const domain = domainToASCII(mailbox.domain.toLowerCase());
  if (!domain || !domain.includes('.')) throw refuse(field, input, 'the domain is not a valid host name');
  const fault = domainFault(domain);
  if (fault) throw refuse(field, input, `the domain is not a valid host name: ${fault}`);
  const name = displayName(mailbox);
  return { name, local: mailbox.local, domain, address: `${mailbox.local}@${domain}` };
}

/**
 * The display name's meaning: its words (atoms and quoted strings, unescaped) joined by one
 * space. The library runs a quoted word into the next one (`Ann "Boss" Smith` → "Ann BossSmith"),
 * so a name with quoted strings is read from its text here.
 */
function displayName(mailbox: emailAddresses.ParsedMailbox): string | undefined {
  const text = mailbox.parts.name?.tokens;
  if (!text?.includes('"')) return mailbox.name?.trim() || undefined;
  const words = [...text.matchAll(/"((?:[^"\\]|\\[\s\S])*)"|[^\s"]+/g)].map((w) => (w[1] === undefined ? w[0] : w[1].replace(/\\([\s\S])/g, '$1')));
  return words.join(' ').replace(/\s+/g, ' ').trim() || undefined;
}

/**
 * One text holding several addresses (`a@x, "Doe, John" <jd@y>`) as the texts of its addresses,
 * split where RFC 5322's address-list splits: a comma inside a quoted string, angle brackets or
 * a comment belongs to its address. Each item is given to parseMailbox, which decides whether
 * it is accepted (a group or a comment is one item here, refused there with its reason). The
 * grammar is the library's that parseMailbox uses, so the two agree on where an address ends.
 * Commas and blanks around the list are no addresses. A text the grammar does not read as a
 * list is split at its commas outside quotes, brackets and comments when every part that is no
 * address still looks like one (has an @): `a@x, ann@` is the good a@x and the bad "ann@",
 * named as such. Otherwise it comes back whole, for parseMailbox to refuse naming all of it:
 * `Doe, John <jd@x>` split would blame "Doe", when the comma is the mistake.
 */
export function splitAddressList(input: string): string[] {
  const text = input.replace(/^[\s,]+|[\s,]+$/g, '');
  if (text === '') return [];
  const parsed = emailAddresses({ input: text, rfc6532: true, startAt: 'address-list' });
  const items = parsed?.addresses.map((a) => a.node?.tokens.trim() ?? '');
  if (items && items.length > 0 && items.every(Boolean)) return items;
  const parts = topLevelCommaParts(text);
  const badLookLikeAddresses = parts.every((p) => p.includes('@') || emailAddresses({ input: p, rfc6532: true, startAt: 'address-list' }) !== null);
  return parts.length > 1 && badLookLikeAddresses ? parts : [text];
}

/** The text cut at each comma outside a quoted string, angle brackets or a comment; empty parts dropped. */
function topLevelCommaParts(text: string): string[] {
  const parts: string[] = [];
  const depth = { quote: false, angle: 0, comment: 0 };
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (depth.quote) {
      if (c === '\\') i++;
      else if (c === '"') depth.quote = false;
    } else if (c === '"') depth.quote = true;
    else if (c === '<') depth.angle++;
    else if (c === '>') depth.angle = Math.max(0, depth.angle - 1);
    else if (c === '(') depth.comment++;
    else if (c === ')') depth.comment = Math.max(0, depth.comment - 1);
    else if (c === ',' && depth.angle === 0 && depth.comment === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter(Boolean);
}

export function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
