import { counted } from '../kernel/counted.js';
import type { CoreContext } from '../context.js';
import { parseMailbox, type Mailbox } from '../kernel/addresses.js';
import { ErrorCodes, invalid, MailroomError } from '../kernel/errors.js';
import { rfc5322Date, type RawPart, type Submission } from '../outbox/messages.js';
import { submitRawMessage, type SubmitResult } from '../outbox/messages.service.js';
import { matchesIdentity } from '../routing/sender-identity.js';
import { relayPrincipal, type StoredSmtpCredential } from './credentials.js';
import { MAX_HEADER_BYTES, type MessageHeaders, type MimeHeaderReader } from './ports.js';
import { addressInAuthorName, ambiguousAuthor, authorFields, droppedByRelay, findBadLineEnding, findLongLine, headerBlockEnd, malformedHeaderLine, MAX_LINE_OCTETS, receivedHeader, withoutFields } from './raw-message.js';

/**
 * The rules of one relay transaction, in the order the SMTP commands arrive: MAIL FROM (who
 * sends, how big, how often), RCPT TO (to whom, how many), then the message itself. Each
 * refusal is a MailroomError; the listener (src/relay) turns its code into an SMTP reply.
 */

function senderRefused(c: StoredSmtpCredential, what: string, address: string): MailroomError {
  return new MailroomError(ErrorCodes.FROM_NOT_ALLOWED, `${what} ${address} is not allowed for SMTP credential "${c.name}"; it may send as ${c.allowedFrom.join(', ')}`, {
    field: what,
    allowed: c.allowedFrom,
  });
}

/** MAIL FROM: the envelope sender must be one the credential may use; the null sender is not. */
export function checkEnvelopeSender(c: StoredSmtpCredential, address: string): Mailbox {
  if (!address) throw senderRefused(c, 'sender', '<> (the null sender)');
  const m = parseMailbox('MAIL FROM', address);
  if (!matchesIdentity(c.allowedFrom, m)) throw senderRefused(c, 'sender', m.address);
  return m;
}

/** MAIL FROM SIZE=: refuses at once what would be refused after the whole transfer. */
export function checkDeclaredSize(c: StoredSmtpCredential, declared: number | undefined): void {
  if (declared !== undefined && declared > c.maxMessageBytes) throw messageTooLarge(c, declared);
}

export function messageTooLarge(c: StoredSmtpCredential, bytes: number): MailroomError {
  return new MailroomError(ErrorCodes.MESSAGE_TOO_LARGE, `the message is ${bytes} bytes; SMTP credential "${c.name}" allows ${c.maxMessageBytes}`, { limit: c.maxMessageBytes });
}

/** The header is larger than the relay reads (MAX_HEADER_BYTES): permanent, the same message is refused again. */
export function headerTooLarge(bytes: number): MailroomError {
  return new MailroomError(
    ErrorCodes.MESSAGE_TOO_LARGE,
    `the message header is larger than 1 MiB (${bytes} bytes; the relay reads at most ${MAX_HEADER_BYTES}): move long values into the body or an attachment; nothing was queued`,
    { field: 'header', limit: MAX_HEADER_BYTES },
  );
}

/**
 * One more transaction (MAIL FROM) of this credential this minute, counted in the store so every
 * process shares it; RATE_LIMITED with the seconds until the window turns when it is used up. A
 * transaction counts when it begins, whether or not a message follows, and the reply says so.
 */
export async function takeTransaction(ctx: CoreContext, c: StoredSmtpCredential): Promise<void> {
  if (c.perMinute === null) return;
  const now = ctx.clock.now();
  const start = Math.floor(now / 60_000) * 60_000;
  if (await ctx.store.repos.sendCounters.bump(c.id, 'minute', start, c.perMinute)) return;
  const retryAfterSec = Math.max(1, Math.ceil((start + 60_000 - now) / 1000));
  throw new MailroomError(ErrorCodes.RATE_LIMITED, `SMTP credential "${c.name}" may begin ${counted(c.perMinute, 'transaction')} (MAIL FROM) per minute; try again in ${retryAfterSec} s`, { retryAfterSec });
}

/** RCPT TO: parsed once, strictly (the envelope is built from this result), within the credential's limit. */
export function checkRecipient(c: StoredSmtpCredential, address: string, sofar: readonly Mailbox[]): Mailbox {
  const m = parseMailbox('RCPT TO', address);
  if (!sofar.some((r) => r.address.toLowerCase() === m.address.toLowerCase()) && sofar.length >= c.maxRecipients) {
    throw new MailroomError(ErrorCodes.TOO_MANY_RECIPIENTS, `SMTP credential "${c.name}" allows ${c.maxRecipients} recipients per message; send the others in another message`, { limit: c.maxRecipients });
  }
  return m;
}

/** What the listener knows about the transaction when the message has arrived. */
export interface RelayTransaction {
  clientIp: string;
  /** The client's HELO/EHLO name. */
  helo: string;
  /** RFC 3848: ESMTP, ESMTPS, ESMTPA, ESMTPSA. */
  protocol: string;
  /** The name the relay greets with. */
  serverName: string;
  recipients: Mailbox[];
}

/** An author of the message: a From mailbox or the Sender, as parsed strictly. */
interface Author {
  field: 'From' | 'Sender';
  m: Mailbox;
}

/**
 * Each From (and Sender) mailbox, parsed strictly, must be one the credential may send as.
 * `written`: the author fields as the header block has them (authorFields), counted beside the
 * parser's count so that a field the parser skipped still counts. Returns every author, the
 * first From mailbox first.
 */
function checkAuthors(c: StoredSmtpCredential, h: MessageHeaders, written: { field: 'From' | 'Sender' }[]): Author[] {
  // A second From or Sender is refused rather than judged on one of them (recipients' programs
  // differ in which one they show), and the reply says so instead of blaming an address.
  for (const [field, parsed] of [['From', h.fromFields], ['Sender', h.senderFields]] as const) {
    const n = Math.max(parsed, written.filter((w) => w.field === field).length);
    if (n > 1) throw invalid(field, `the message has ${n} ${field} fields; RFC 5322 allows one`);
  }
  if (!h.from.length) throw invalid('From', 'the message has no From header; every message needs one (RFC 5322)');
  return [...h.from.map((m) => ({ field: 'From' as const, m })), ...h.sender.map((m) => ({ field: 'Sender' as const, m }))].map(({ field, m }) => {
    // mailparser leaves the address empty for "From: billing" or a group: say what was written.
    if (!m.address) throw invalid(field, `"${(m.name ?? '').replace(/[\r\n\0]/g, ' ').slice(0, 200)}" holds no address; write an address or "Name <address>"`);
    const parsed = parseMailbox(field, m.address);
    if (!matchesIdentity(c.allowedFrom, parsed)) throw senderRefused(c, field, parsed.address);
    return { field, m: { ...parsed, ...(m.name ? { name: m.name } : {}) } };
  });
}

/** Header addresses for the log: parsed when they parse, shown as written when they do not. */
function forTheLog(list: MessageHeaders['to']): Mailbox[] {
  return list
    .filter((m) => m.address)
    .map((m) => {
      const clean = { ...(m.name ? { name: m.name.replace(/[\r\n\0]/g, ' ') } : {}), address: m.address.replace(/[\r\n\0]/g, '') };
      try {
        return { ...parseMailbox('address', clean.address), ...(clean.name ? { name: clean.name } : {}) };
      } catch {
        return { ...clean, local: '', domain: '' };
      }
    });
}

/**
 * The message has arrived: it is checked (size, line endings, authors), its Bcc fields are
 * removed (and a blank Message-ID or Date), and it enters the outbox through the same path as
 * every other message, with the Received field (and a Date and a Message-ID when it has none)
 * Mailroom writes in front of it at send time.
 * Resolves after the commit: only then may the listener answer 250.
 */
export async function acceptRelayMessage(ctx: CoreContext, reader: MimeHeaderReader, c: StoredSmtpCredential, t: RelayTransaction, raw: Uint8Array): Promise<SubmitResult> {
  if (raw.byteLength > c.maxMessageBytes) throw messageTooLarge(c, raw.byteLength);
  const bad = findBadLineEnding(raw);
  if (bad) {
    throw new MailroomError(
      ErrorCodes.VALIDATION,
      `${bad.kind} at byte ${bad.offset}: every line must end in CRLF and NUL is not allowed (a bare LF or CR could end the message early at another server: SMTP smuggling); nothing was queued`,
      { field: 'DATA', offset: bad.offset },
    );
  }
  const headerEnd = headerBlockEnd(raw);
  if (headerEnd > MAX_HEADER_BYTES) throw headerTooLarge(headerEnd);
  const long = findLongLine(raw, headerEnd);
  if (long) {
    throw new MailroomError(
      ErrorCodes.VALIDATION,
      `line ${long.line}${long.inHeader ? ' (in the header)' : ''} is ${long.length} characters long; a line may have at most ${MAX_LINE_OCTETS} characters before its CRLF (RFC 5322 2.1.1, RFC 5321 4.5.3.1.6): fold the header field, or send the body quoted-printable or base64 encoded; nothing was queued`,
      { field: 'DATA', line: long.line, length: long.length },
    );
  }
  const malformed = malformedHeaderLine(raw.subarray(0, headerEnd));
  if (malformed) {
    throw invalid(
      'header',
      `line ${malformed.line} of the header ("${malformed.text.replace(/[\r\n\0]/g, ' ').slice(0, 80)}") ${malformed.why}; nothing was queued`,
    );
  }
  const authors = authorFields(raw.subarray(0, headerEnd));
  const ambiguous = ambiguousAuthor(authors);
  if (ambiguous) {
    throw invalid(
      ambiguous.field,
      `"${ambiguous.value.replace(/[\r\n\0]/g, ' ').slice(0, 200)}" can be read as more than one address: write each mailbox as an address or as "Name <address>" (quote a name that contains @, < or >)`,
    );
  }
  const named = addressInAuthorName(authors);
  if (named) {
    const shown = (t: string) => t.replace(/[\r\n\0]/g, ' ').slice(0, 120);
    throw invalid(
      named.field,
      `the ${named.kind} "${shown(named.written)}" of <${shown(named.address)}> reads as another address${named.decoded === named.written ? '' : ` once decoded ("${shown(named.decoded)}")`}, ${shown(named.found)}: a person may take it for the author while the check reads <${shown(named.address)}>; leave the address out of the ${named.kind}`,
    );
  }
  const h = await reader.read(raw.subarray(0, headerEnd));
  const authorList = checkAuthors(c, h, authors);
  const from = authorList[0].m;
  // Bcc, Resent-Bcc and a blank Message-ID or Date (the message itself when it has none of them).
  const bytes = withoutFields(raw, headerEnd, droppedByRelay);
  const now = ctx.clock.now();
  const headers: Record<string, string> = { Received: receivedHeader({ helo: t.helo, clientIp: t.clientIp, serverName: t.serverName, protocol: t.protocol, at: now }) };
  // A blank Date counts as none (hasDate; the field itself is dropped above), as a blank Message-ID does.
  if (!h.hasDate) headers.Date = rfc5322Date(now);
  const to = forTheLog(h.to);
  const cc = forTheLog(h.cc);
  const inHeaders = new Set([...to, ...cc].map((m) => m.address.toLowerCase()));
  const sub: Submission & { raw: RawPart } = {
    purpose: c.purpose ?? undefined,
    accountId: c.accountId ?? undefined,
    from,
    to,
    cc,
    // The log shows who got a blind copy: the envelope recipients its headers do not name.
    bcc: t.recipients.filter((m) => !inHeaders.has(m.address.toLowerCase())),
    subject: (h.subject ?? '').replace(/[\r\n\0]+/g, ' ').slice(0, 998),
    attachments: [],
    headers,
    template: null,
    sizeBytes: bytes.byteLength,
    // The log keeps the application's own Message-ID (the column holds 400 characters); a blank
    // one is none, and the outbox writes Mailroom's in front.
    raw: { bytes, envelope: t.recipients, messageId: h.messageId?.trim() ? h.messageId.replace(/[\r\n\0]/g, '').trim().slice(0, 400) : null },
  };
  // Routing holds the sending account, and each one it may fail over to, to every author: a
  // second From mailbox or a Sender an account may not use would otherwise go out under it.
  return submitRawMessage(ctx, relayPrincipal(c), sub, { source: 'smtp', authors: authorList.map((a) => ({ field: a.field.toLowerCase(), address: a.m.address })) });
}
