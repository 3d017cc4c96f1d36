import type { CoreContext } from '../context.js';
import { journal } from '../kernel/event-journal.js';
import { newId } from '../kernel/ids.js';
import type { InboundFacts, MessageEvent } from '../kernel/message-events.js';
import type { MessageRecord } from '../outbox/ports.js';
import type { Repositories } from '../ports.js';
import { bounceClass, bounceRecipients, bounceResponse, classify, isDeliveryReport } from './classify.js';
import type { InboundMail } from './inbound-mail.js';
import { candidateIds, ownEnvelopeId, ownMessageIdToken } from './reply-matching.js';
import { addressKey } from './addressees.js';
import { derivedMessageId, sameMessage } from './message-id-reuse.js';
import { storedEnvelopeFrom, storedMessageId } from './stored-message-id.js';
import { suppressFromMail } from './suppressions.service.js';
import { softBounceWindowMs } from './soft-bounces.js';
import { readSoftBounces } from '../routing/settings.js';

/** Where a message was read: the reader's lease and the cursor the message moves. */
export interface MailboxPosition {
  accountId: string;
  folder: string;
  /** The reader's lease (inbound_mailboxes.lease_owner): a reader that lost it stores nothing. */
  owner: string;
  /** Null while a first read that skips old mail is not finished (mailbox-reader.ts). */
  uidValidity: string | null;
  uid: number;
}

/** One message the reader fetched: parsed, or not parseable (then quarantined with its raw bytes). */
export type Received =
  | { mail: InboundMail; fallbackId: string }
  | { unparseable: string; raw: Uint8Array; sizeBytes: number; fallbackId: string };

export interface ReceiveOutcome {
  /** The message's id in the log; null when it was stored before (a duplicate) or the lease was lost. */
  id: string | null;
  stored: boolean;
  kind: MessageRecord['kind'];
  leaseLost: boolean;
  /** The account had a message with this one's Message-ID already (for the reader's log); null otherwise. */
  messageIdTaken: MessageIdTaken | null;
}

/**
 * A message whose Message-ID the account has already. `storedAs` null: it is that message again
 * (the same From, Date and Subject; without a Message-ID, the same bytes), not stored twice and
 * counted in the folder's duplicateCount. Otherwise another message reusing the id, stored under
 * the derived id `storedAs`. Ids and the sender only: never the content.
 */
export interface MessageIdTaken {
  messageId: string;
  /** The message stored before under that id; null when it could not be read back. */
  existingId: string | null;
  from: string;
  storedAs: string | null;
}

/**
 * The reader's log line for a message whose Message-ID was taken: a different message stored
 * under a derived id is a warning (someone reused an id); the same message read again only a
 * debug line (a resync reads a whole folder again), as the folder's duplicateCount counts it.
 */
export function messageIdTakenLine(t: MessageIdTaken): { level: 'debug' | 'warn'; text: string } {
  return t.storedAs
    ? { level: 'warn', text: 'a different message reuses a Message-ID already stored for the account: stored under a derived id' }
    : { level: 'debug', text: 'a message already stored for the account was read again (same Message-ID, From, Date and Subject): not stored twice' };
}

class LeaseLost extends Error {}

/** ARF Feedback-Types (RFC 5965 §7.3, and the older opt-out) that are the recipient complaining. */
const COMPLAINT_TYPES = new Set(['abuse', 'fraud', 'opt-out', 'optout']);

/**
 * Stores one received message and moves the folder's cursor past it, in ONE transaction: a
 * crash before the commit leaves both as they were (the message is read again), after it both
 * are done (it is not). A message with a Message-ID the account already has (a resync after a
 * UIDVALIDITY change, a copy in a second folder) is skipped, the cursor still moves. In the same
 * commit: the reply or bounce is linked to the outbound message, a bounced recipient is marked,
 * a hard bounce or complaint suppresses the address, and the webhook events are journaled.
 */
export async function receiveMessage(ctx: CoreContext, at: MailboxPosition, received: Received): Promise<ReceiveOutcome> {
  const now = ctx.clock.now();
  try {
    const result = await ctx.store.transaction(async (repos) => {
      const understood = 'mail' in received ? await understand(repos, at, received.mail, received.fallbackId, now) : quarantined(at, received, now);
      const { record, stored, taken } = await storeOnce(repos, understood, received.fallbackId);
      const counts = { stored: stored && record.status === 'received' ? 1 : 0, quarantined: stored && record.status === 'quarantined' ? 1 : 0, duplicates: stored ? 0 : 1 };
      if (!(await repos.mailboxes.advance(at.accountId, at.folder, at.owner, { uidValidity: at.uidValidity, uid: at.uid, ...counts }, now))) {
        throw new LeaseLost();
      }
      if (!stored) return { record, stored, taken, events: [] as MessageEvent[] };
      const all = [...(await actOn(repos, ctx, record, 'mail' in received ? received.mail : null, now))];
      await journal(repos.eventJournal, all);
      return { record, stored, taken, events: all };
    });
    ctx.events.publish(...result.events);
    return { id: result.stored ? result.record.id : null, stored: result.stored, kind: result.record.kind, leaseLost: false, messageIdTaken: result.taken };
  } catch (err) {
    if (err instanceof LeaseLost) return { id: null, stored: false, kind: null, leaseLost: true, messageIdTaken: null };
    throw err;
  }
}

/**
 * Stores the message unless the account has it already. A different message reusing a stored
 * Message-ID is stored under a derived one (message-id-reuse.ts) instead of being dropped; the
 * same message read again is not stored twice. Either way the outcome says so.
 */
async function storeOnce(repos: Repositories, record: MessageRecord, fallbackId: string): Promise<{ record: MessageRecord; stored: boolean; taken: MessageIdTaken | null }> {
  if (await repos.inbound.insertInbound(record)) return { record, stored: true, taken: null };
  const messageId = record.messageIdHeader as string;
  const existing = await repos.inbound.inboundByMessageId(record.accountId as string, messageId);
  const taken = { messageId, existingId: existing?.id ?? null, from: record.from.address, storedAs: null };
  // Without a Message-ID the id is a hash of the bytes: the same id is the same message.
  if (!existing || messageId === fallbackId || sameMessage(existing, record)) return { record, stored: false, taken };
  const derived = { ...record, messageIdHeader: derivedMessageId(messageId, record) };
  // Taken too: this very message, stored under that id when it was read before.
  if (!(await repos.inbound.insertInbound(derived))) return { record: derived, stored: false, taken };
  return { record: derived, stored: true, taken: { ...taken, storedAs: derived.messageIdHeader } };
}

function baseRecord(at: MailboxPosition, now: number): Omit<MessageRecord, 'from' | 'envelopeFrom' | 'to' | 'cc' | 'replyTo' | 'subject' | 'text' | 'html' | 'sizeBytes' | 'messageIdHeader' | 'sentAt' | 'status' | 'kind' | 'inReplyTo' | 'lastError' | 'headers' | 'attachments'> {
  return {
    id: newId('msg', now),
    direction: 'in',
    purpose: '',
    priority: 0,
    accountId: at.accountId,
    serverId: null,
    routing: { accountId: at.accountId, serverId: null, reason: `read from ${at.folder}`, failoverAccountIds: [] },
    bcc: [],
    idempotencyScope: null,
    idempotencyKey: null,
    sendAt: now,
    nextAttemptAt: now,
    expireAt: now,
    attemptCount: 0,
    leaseOwner: null,
    leaseUntil: null,
    source: 'imap',
    createdBy: `imap:${at.folder}`,
    createdAt: now,
    updatedAt: now,
    possibleDuplicate: false,
    rejectedCount: 0,
    lastHint: null,
    template: null,
    raw: null,
    read: false,
  };
}

/** A message mailparser could not read: kept (raw, for "view source") and reported; the reader goes on. */
function quarantined(at: MailboxPosition, r: Extract<Received, { unparseable: string }>, now: number): MessageRecord {
  return {
    ...baseRecord(at, now),
    status: 'quarantined',
    kind: 'mail',
    inReplyTo: null,
    from: { address: '' },
    envelopeFrom: '',
    to: [],
    cc: [],
    replyTo: null,
    subject: `(unreadable message, UID ${at.uid} in ${at.folder})`,
    text: null,
    html: null,
    headers: {},
    attachments: [],
    sizeBytes: r.sizeBytes,
    messageIdHeader: r.fallbackId,
    sentAt: null,
    lastError: `quarantined: ${r.unparseable}`.slice(0, 1000),
    raw: r.raw,
  };
}

/** The received message as a log row, with its kind and the outbound message it answers. */
async function understand(repos: Repositories, at: MailboxPosition, mail: InboundMail, fallbackId: string, now: number): Promise<MessageRecord> {
  const original = (await byEnvelopeId(repos, mail)) ?? (await findOutbound(repos, candidateIds(mail.inReplyTo, mail.references, mail.returnedMessageId)));
  const kind = classify(mail, original !== null);
  const record: MessageRecord = {
    ...baseRecord(at, now),
    status: 'received',
    kind,
    inReplyTo: original?.id ?? null,
    from: mail.from ?? { address: '' },
    envelopeFrom: storedEnvelopeFrom(mail.returnPath),
    to: mail.to,
    cc: mail.cc,
    replyTo: mail.replyTo,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    headers: mail.headers,
    // Listed by name, type and size; the content is not kept (the log is not an archive).
    attachments: mail.attachments.slice(0, 100).map((a) => ({ filename: a.filename.slice(0, 255), contentType: a.contentType.slice(0, 255), contentBase64: '', sizeBytes: a.sizeBytes })),
    sizeBytes: mail.sizeBytes,
    messageIdHeader: mail.messageId ? storedMessageId(mail.messageId) : fallbackId,
    sentAt: mail.date,
    replyText: kind === 'reply' ? mail.newText : null,
    lastError: [partlyRead(mail), mail.unreadableBody && `the body could not be read as MIME (${mail.unreadableBody}): it is kept as sent, as plain text`].filter(Boolean).join('; ') || null,
  };
  return record;
}

/** Why only part of a message was read (it is larger than the body limit); null when all of it was. */
function partlyRead(mail: InboundMail): string | null {
  if (!mail.headersOnly) return null;
  if (mail.reportType) return `only the first MiB was read (a report: its status parts come first): the message (${mail.sizeBytes} bytes) is larger than the body limit`;
  if (mail.bounceNotice !== null) return `only the first MiB was read (a bounce: its notice comes first): the message (${mail.sizeBytes} bytes) is larger than the body limit`;
  return `only the headers were read: the message (${mail.sizeBytes} bytes) is larger than the body limit`;
}

/**
 * The outbound message a delivery status notification names by its envelope id (the ENVID
 * Mailroom sent): tried first, as it is the transaction's own id, and the only one left when
 * the report returns no headers. Only a DSN carries it.
 */
async function byEnvelopeId(repos: Repositories, mail: InboundMail): Promise<MessageRecord | null> {
  const id = isDeliveryReport(mail.reportType) ? ownEnvelopeId(mail.envelopeId) : null;
  const m = id ? await repos.messages.get(id) : undefined;
  return m && m.direction === 'out' ? m : null;
}

/** The outbound message named by one of `ids` (a report's returned headers, In-Reply-To, References, or the Message-ID itself). */
async function findOutbound(repos: Repositories, ids: readonly string[]): Promise<MessageRecord | null> {
  if (!ids.length) return null;
  const found = await repos.inbound.findOutboundByMessageIds(ids);
  for (const id of ids) {
    const hit = found.find((m) => m.messageIdHeader === id);
    if (hit) return hit;
    // Mailroom's own form carries the log id: matched even if the stored header differs.
    const token = ownMessageIdToken(id);
    const own = token ? await repos.messages.get(token) : undefined;
    if (own && own.direction === 'out') return own;
  }
  return null;
}

/**
 * A confirmed test email is settled by what its account's own mailbox receives: the message
 * itself (the same Message-ID, read by that account) confirms it; a bounce of it says it bounced.
 */
async function settleConfirmation(repos: Repositories, r: MessageRecord, mail: InboundMail, original: MessageRecord | undefined, now: number): Promise<void> {
  if (r.kind === 'bounce' && original?.confirmation === 'pending') {
    await repos.inbound.settleConfirmation(original.id, 'bounced', now);
    return;
  }
  if (!mail.messageId) return;
  const sent = await findOutbound(repos, [mail.messageId]);
  if (sent?.confirmation === 'pending' && sent.accountId === r.accountId) await repos.inbound.settleConfirmation(sent.id, 'confirmed', now);
}

/** The soft-bounce policy (settings.softBounces), read in the commit that counts: an admin's change applies to the next bounce. */
async function softBouncedTooOften(repos: Repositories, address: string, now: number): Promise<boolean> {
  const policy = await readSoftBounces(repos);
  return (await repos.inbound.softBouncesSince(address, now - softBounceWindowMs(policy))) >= policy.count;
}

/**
 * The first of `candidates` that `original` was sent to (its envelope recipients, as the log
 * spells them; a recipient skipped as suppressed was never sent to); null when none.
 */
function sentTo(recipients: readonly { address: string; status: string }[], candidates: readonly (string | null)[]): string | null {
  for (const c of candidates) {
    // Compared as the log spells addresses: a report (RFC 6533's utf-8 address type above all)
    // may write the domain in Unicode where Mailroom sent to its ASCII form.
    const key = c ? addressKey(c) : null;
    const hit = key ? recipients.find((x) => x.status !== 'suppressed' && addressKey(x.address) === key) : undefined;
    if (hit) return hit.address;
  }
  return null;
}

function facts(r: MessageRecord): InboundFacts {
  return { id: r.id, kind: r.kind ?? 'mail', accountId: r.accountId, from: r.from.address, inReplyTo: r.inReplyTo };
}

/**
 * What a stored message changes: a reply is announced on the message it answers; a bounce marks
 * each failed recipient of the original `bounced` and suppresses it (5.x.x at once, 4.x.x at
 * the count of the `softBounces` setting within its window); a complaint suppresses the complaining recipient. Mailroom never answers
 * or bounces what it reads. `message.bounced` names the recipients the bounce changed (marked, or
 * a 4.x.x replaced by a 5.x.x: markBounced): the same news again raises nothing.
 */
async function actOn(repos: Repositories, ctx: CoreContext, r: MessageRecord, mail: InboundMail | null, now: number): Promise<MessageEvent[]> {
  const inbound = facts(r);
  const events: MessageEvent[] = [{ type: 'message.received', messageId: r.id, at: now, inbound }];
  if (!mail) return events;
  const original = r.inReplyTo ? await repos.messages.get(r.inReplyTo) : undefined;
  const originalFacts = (recipients: { address: string; status: string; code: number | null; enhancedCode: string | null }[]) => ({
    purpose: original?.purpose ?? '',
    idempotencyKey: original?.idempotencyKey ?? null,
    attemptCount: original?.attemptCount ?? 0,
    recipients,
  });
  await settleConfirmation(repos, r, mail, original, now);
  if (r.kind === 'reply' && original) events.push({ type: 'message.replied', messageId: original.id, at: now, inbound, facts: originalFacts([]) });
  if (r.kind === 'bounce') {
    const bounced: { address: string; status: string; code: number | null; enhancedCode: string | null }[] = [];
    const recipients = original ? await repos.messages.recipients(original.id) : [];
    const reasons: string[] = [];
    for (const rcpt of bounceRecipients(mail)) {
      // Only a bounce Mailroom can tie to a message it sent, about an address that message was
      // sent to, may mark or suppress anything: a forged DSN of a message its author received
      // cannot silence a stranger. After an alias forwarded the message, Final-Recipient names
      // the forwarding target and Original-Recipient the address Mailroom sent to.
      const address = sentTo(recipients, [rcpt.finalRecipient, rcpt.originalRecipient]);
      if (!original || !address) continue;
      const response = bounceResponse(rcpt.status, rcpt.diagnostic);
      const cls = bounceClass(rcpt.status);
      const code = /^\s*(\d{3})\b/.exec(rcpt.diagnostic ?? '')?.[1];
      if (await repos.inbound.markBounced(original.id, address, { enhancedCode: rcpt.status, code: code ? Number(code) : null, response }, now)) {
        bounced.push({ address, status: 'bounced', code: code ? Number(code) : null, enhancedCode: rcpt.status });
        reasons.push(`${address}: ${response}`);
      }
      const suppress = cls === 'hard' ? 'hard_bounce' : cls === 'soft' && (await softBouncedTooOften(repos, address, now)) ? 'soft_bounce' : null;
      if (suppress) await suppressFromMail(repos, ctx, { address, reason: suppress, detail: response.slice(0, 500), sourceMessageId: r.id });
    }
    if (bounced.length && original) events.push({ type: 'message.bounced', messageId: original.id, at: now, reason: reasons.join('; '), inbound, facts: originalFacts(bounced) });
  }
  // Only a report of the recipient's own word against the mail suppresses it: a "not-spam" report
  // says the opposite, "auth-failure" (RFC 6591) is about authentication, "virus" about content.
  if (r.kind === 'complaint' && original && mail.feedback && COMPLAINT_TYPES.has(mail.feedback.type)) {
    // The complaining address must be one the message was sent to (a forged report cannot
    // name a stranger); a report that names none (redacted, as many feedback loops do) is
    // about the only recipient, when there is one.
    const recipients = (await repos.messages.recipients(original.id)).filter((x) => x.status !== 'suppressed');
    const who = sentTo(recipients, [mail.feedback.recipient]) ?? (recipients.length === 1 ? recipients[0].address : null);
    if (who) await suppressFromMail(repos, ctx, { address: who, reason: 'complaint', detail: `abuse report (${mail.feedback.type})`, sourceMessageId: r.id });
  }
  return events;
}
