import { mailboxText, parseMailbox, type Mailbox } from '../kernel/addresses.js';
import { confirmationAt, type ConfirmationNow } from '../inbound/confirmation.js';
import { readerTrouble } from '../inbound/status.service.js';
import type { Actor } from '../kernel/audit.js';
import { requirePermission, type Principal } from '../access/auth.js';
import { audit, type CoreContext } from '../context.js';
import { ErrorCodes, invalid, isDuplicateKey, MailroomError, notAllowed, notFound } from '../kernel/errors.js';
import { sumOverChunks } from '../kernel/bulk-chunks.js';
import { journal } from '../kernel/event-journal.js';
import { assertSameRequest, requestHash } from '../kernel/request-hash.js';
import { LAST_INSTANT, parseTimeRange } from '../kernel/instants.js';
import { assertCursor, assertIdFilter, isId, newId } from '../kernel/ids.js';
import type { MessageEvent } from '../kernel/message-events.js';
import { CANCELLABLE, envelopeRecipients, idempotencyKeyOf, MESSAGE_STATUSES, messagePurpose, RETRYABLE, validateSubmission, withDerivedText, type MessageStatus, type RawPart, type Submission } from './messages.js';
import { INBOUND_KINDS, type AttemptRecord, type MessageFilter, type MessageQuery, type MessageRecord, type RecipientRecord } from './ports.js';
import { resolveRoute, type RouteAuthor } from '../routing/routing.js';
import { applySuppressions } from '../inbound/suppressions.js';
import { suppressedAmong } from '../inbound/suppressions.service.js';
import { commaList, doc, oneOf, onlyKeys, optStr, refuseEmpty } from '../kernel/validate.js';
import { renderTemplate, templateRequest } from '../templates/render.js';
import type { Repositories } from '../ports.js';

export type SubmitSource = 'api' | 'cli' | 'test' | 'smtp' | 'notify';

export interface SubmitResult {
  id: string;
  status: MessageStatus;
  /** True when the idempotency key matched an earlier message (nothing new was stored). */
  duplicate: boolean;
}

/**
 * Accepts a message into the outbox. Resolves only after the row is committed (group commit:
 * concurrent submissions share one fsync). The same idempotency key from the same principal
 * returns the first message, never a second one.
 */
export async function submitMessage(ctx: CoreContext, principal: Principal, input: unknown, opts: { source?: SubmitSource; confirm?: boolean } = {}): Promise<SubmitResult> {
  requirePermission(principal, 'send');
  // Asked again with the same key: the first message, without rendering anything anew.
  const body = doc('message', input);
  const key = idempotencyKeyOf(body.idempotencyKey);
  const hash = key ? requestHash(body) : undefined;
  if (key) {
    const earlier = await ctx.store.repos.messages.findByIdempotencyKey(principal.id, key);
    if (earlier) return repeated(earlier, hash);
  }
  const sub = await prepareSubmission(ctx, input);
  const rawFrom = (input as { from?: unknown }).from;
  return enqueue(ctx, principal, sub, { source: opts.source ?? 'api', from: typeof rawFrom === 'string' ? rawFrom : undefined, confirm: opts.confirm, requestHash: hash });
}

/** A key seen before: the first message when this is the same request again (a retry); the same key with another body is refused. */
function repeated(earlier: MessageRecord, hash: string | undefined): SubmitResult {
  if (hash !== undefined && earlier.idempotencyKey !== null) {
    assertSameRequest({ requestHash: earlier.requestHash ?? null, at: earlier.createdAt }, hash, { field: 'idempotencyKey', value: earlier.idempotencyKey, id: earlier.id });
  }
  return { id: earlier.id, status: earlier.status, duplicate: true };
}

/**
 * Accepts a message an application composed itself (the SMTP relay): stored and sent as it
 * is, through the same routing, copies, commit and events as every other message. The
 * caller (core/relay) has checked the sender, the line endings and the size. `authors`: every
 * From mailbox and the Sender of its header, which routing holds each account to (RouteRequest).
 */
export async function submitRawMessage(
  ctx: CoreContext,
  principal: Principal,
  sub: Submission & { raw: RawPart },
  opts: { source: SubmitSource; authors: readonly RouteAuthor[] },
): Promise<SubmitResult> {
  requirePermission(principal, 'send');
  return enqueue(ctx, principal, sub, { source: opts.source, from: sub.from?.address, authors: opts.authors });
}

/** The one path every message takes into the outbox: route, copies, the row, the commit, the event. */
async function enqueue(ctx: CoreContext, principal: Principal, sub: Submission, opts: ComposeOptions): Promise<SubmitResult> {
  const repos = ctx.store.repos;
  const scope = principal.id;
  if (sub.idempotencyKey) {
    const earlier = await repos.messages.findByIdempotencyKey(scope, sub.idempotencyKey);
    if (earlier) return repeated(earlier, opts.requestHash);
  }
  const built = await buildOutbound(ctx, principal, sub, opts);
  const id = built.message.id;
  let stored: Outbound;
  try {
    // The suppression list is read in the commit that stores the message: one look-up for the
    // whole batch of accepts (on PostgreSQL one more statement in its transaction, not a round
    // trip of its own per few requests), and a suppression committed while the message was
    // being composed applies to it.
    stored = await ctx.store.grouped(async (r) => {
      const out = await withSuppressionList(r, built);
      await r.messages.insert(out.message, out.recipients);
      await journal(r.eventJournal, out.suppressed);
      return out;
    });
  } catch (err) {
    // Two concurrent submissions with one key: the first commit wins, the second gets it back.
    if (sub.idempotencyKey && isDuplicateKey(err)) {
      const earlier = await repos.messages.findByIdempotencyKey(scope, sub.idempotencyKey);
      if (earlier) return repeated(earlier, opts.requestHash);
    }
    throw err;
  }
  ctx.events.publish(acceptedEvent(stored.message), ...stored.suppressed);
  return { id, status: stored.message.status, duplicate: false };
}

/** A message ready to be committed: its row and its envelope. */
export interface Outbound {
  message: MessageRecord;
  recipients: RecipientRecord[];
  /** message.suppressed for recipients on the suppression list: journaled in the message's commit, published after it. */
  suppressed: MessageEvent[];
  /** Recipients (lower-cased) that are only the settings' global copies, not addressed by the sender. */
  copiesOnly: ReadonlySet<string>;
}

/** What is published once an outbound message is committed. */
export const acceptedEvent = (m: MessageRecord): MessageEvent => ({ type: 'message.accepted', messageId: m.id, at: m.createdAt, source: m.source, purpose: m.purpose, priority: m.priority });

/**
 * Routes a validated submission and builds its row and envelope (global copies included),
 * without storing anything: the caller commits it, alone (enqueue) or with other rows in
 * one transaction (an event and the messages its rules made).
 */
/** How a message came in; `confirm` marks a test email whose arrival in its own mailbox is awaited (pending from the start, so no arrival can beat it). */
interface ComposeOptions {
  source: SubmitSource;
  from?: string;
  /** Every author of the message, when the caller knows them all (the relay); see RouteRequest.authors. */
  authors?: readonly RouteAuthor[];
  confirm?: boolean;
  /** The request's hash (requestHash()), kept with its idempotency key. */
  requestHash?: string;
}

export async function composeOutbound(ctx: CoreContext, principal: Principal, sub: Submission, opts: ComposeOptions): Promise<Outbound> {
  return withSuppressionList(ctx.store.repos, await buildOutbound(ctx, principal, sub, opts));
}

/** composeOutbound before the suppression list is applied (`suppressed` is empty). */
async function buildOutbound(ctx: CoreContext, principal: Principal, sub: Submission, opts: ComposeOptions): Promise<Outbound> {
  const scope = principal.id;
  const route = await resolveRoute(ctx.store.repos, {
    purpose: sub.purpose ?? '',
    accountId: sub.accountId,
    serverId: sub.serverId,
    from: opts.from,
    ...(opts.authors ? { authors: opts.authors } : {}),
    principal,
  });
  const now = ctx.clock.now();
  const sendAt = Math.max(sub.sendAt ?? now, now);
  if (sub.expireAt !== undefined && sub.expireAt <= now) throw invalid('expireAt', 'is in the past');
  // A message due near the end of 9999 expires at the last instant an answer can show, not in year 10000.
  const expireAt = sub.expireAt ?? Math.min(sendAt + (route.expireAfterSec ?? route.server.retry.expireAfterSec) * 1000, LAST_INSTANT);
  const from: Mailbox = sub.from ?? { address: route.account.address, local: '', domain: route.account.address.split('@')[1], ...(route.account.fromName ? { name: route.account.fromName } : {}) };
  const copies = {
    cc: route.globalCc.map((a, i) => parseMailbox(`settings.globalCc[${i}]`, a)),
    bcc: route.globalBcc.map((a, i) => parseMailbox(`settings.globalBcc[${i}]`, a)),
  };
  // A composed message shows its copies in the Cc header; an application's own MIME is sent as
  // it is, so there the copies go to the envelope only.
  const cc = sub.raw ? sub.cc : [...sub.cc, ...copies.cc];
  const bcc = sub.raw ? [...sub.bcc, ...copies.cc, ...copies.bcc] : [...sub.bcc, ...copies.bcc];
  const id = newId('msg', now);
  const ownMessageId = `<${id.slice(4)}@${from.domain}>`;
  const mb = (m: Mailbox) => (m.name ? { name: m.name, address: m.address } : { address: m.address });
  // The message's own Reply-To, its display name kept as `from` and `to` keep theirs (the text
  // form the log shows, which composeMime reads back), else its account's (stored the same way).
  const replyTo = sub.replyTo ? mailboxText('replyTo', mb(sub.replyTo)) : sub.raw ? null : route.account.replyTo;
  const message: MessageRecord = {
    id,
    direction: 'out',
    status: 'queued',
    purpose: sub.purpose ?? '',
    priority: route.priority,
    accountId: route.account.id,
    serverId: route.server.id,
    routing: { accountId: route.account.id, serverId: route.server.id, reason: route.reason, reasonCode: route.reasonCode, failoverAccountIds: route.failoverAccountIds },
    from: mb(from),
    // Bounces come back to the account's own mailbox, where the IMAP poller reads them.
    envelopeFrom: route.account.address,
    to: sub.to.map(mb),
    cc: cc.map(mb),
    bcc: bcc.map(mb),
    replyTo,
    subject: sub.subject,
    text: sub.text ?? null,
    html: sub.html ?? null,
    // An application's message without a Message-ID gets Mailroom's, in front of its own headers.
    headers: sub.raw && !sub.raw.messageId ? { ...sub.headers, 'Message-ID': ownMessageId } : sub.headers,
    attachments: sub.attachments,
    sizeBytes: sub.sizeBytes,
    idempotencyScope: sub.idempotencyKey ? scope : null,
    idempotencyKey: sub.idempotencyKey ?? null,
    requestHash: sub.idempotencyKey ? (opts.requestHash ?? null) : null,
    sendAt,
    nextAttemptAt: sendAt,
    expireAt,
    attemptCount: 0,
    leaseOwner: null,
    leaseUntil: null,
    source: opts.source,
    createdBy: principal.label,
    lastError: null,
    messageIdHeader: sub.raw?.messageId || ownMessageId,
    sentAt: null,
    createdAt: now,
    updatedAt: now,
    possibleDuplicate: false,
    rejectedCount: 0,
    lastHint: null,
    template: sub.template,
    raw: sub.raw?.bytes ?? null,
    read: false,
    kind: null,
    inReplyTo: null,
    confirmation: opts.confirm ? 'pending' : null,
  };
  const groups = sub.raw ? rawEnvelope(sub, bcc) : [
    { kind: 'to' as const, list: sub.to },
    { kind: 'cc' as const, list: cc },
    { kind: 'bcc' as const, list: bcc },
  ];
  const recipients: RecipientRecord[] = envelopeRecipients(groups).map((r) => ({ messageId: id, address: r.address, kind: r.kind, status: 'pending', code: null, enhancedCode: null, response: null, updatedAt: now }));
  const addressed = new Set((sub.raw ? sub.raw.envelope : [...sub.to, ...sub.cc, ...sub.bcc]).map((m) => m.address.toLowerCase()));
  const copiesOnly = new Set([...copies.cc, ...copies.bcc].map((m) => m.address.toLowerCase()).filter((a) => !addressed.has(a)));
  return { message, recipients, suppressed: [], copiesOnly };
}

/**
 * The suppression list, per recipient, as of the message's creation: a listed one is skipped
 * with the reason; when none is left, nothing is sent. Returns new records and leaves `built`
 * as it was, so a group-commit job that runs again (its batch failed) starts from the same input.
 */
async function withSuppressionList(repos: Repositories, built: Outbound): Promise<Outbound> {
  const listed = await suppressedAmong(repos, built.recipients.map((r) => r.address), built.message.createdAt);
  if (!listed.size) return built;
  const recipients = built.recipients.map((r) => ({ ...r }));
  const skipped = applySuppressions(recipients, listed);
  if (!skipped.length) return built;
  const message = { ...built.message };
  const addressed = recipients.filter((r) => !built.copiesOnly.has(r.address.toLowerCase()));
  if (addressed.length > 0 && addressed.every((r) => r.status === 'suppressed')) {
    message.status = 'suppressed';
    message.lastError = `every recipient is on the suppression list: ${skipped.map((r) => r.response).join('; ')}`;
    // Global copies (an archive) go with a message, never in its place: sent alone they would
    // make it "sent" although nobody it was addressed to received it.
    for (const r of recipients) {
      if (r.status === 'suppressed') continue;
      r.status = 'suppressed';
      r.response = `${r.address} not sent: a global copy of a message whose every recipient is on the suppression list`;
    }
  }
  const reason = skipped.map((r) => r.response).join('; ');
  const facts = { purpose: message.purpose, idempotencyKey: message.idempotencyKey, attemptCount: 0, recipients: skipped.map((r) => ({ address: r.address, status: r.status, code: null, enhancedCode: null })) };
  return { ...built, message, recipients, suppressed: [{ type: 'message.suppressed', messageId: message.id, at: message.createdAt, reason, facts }] };
}

/**
 * An application's own message goes to its SMTP envelope (RCPT TO) only, each recipient with
 * the header it appears in (else Bcc), plus the global copies. Addresses in its To or Cc that
 * it did not give as RCPT TO are not sent to: the envelope is the application's decision.
 */
function rawEnvelope(sub: Submission & { raw?: RawPart }, copies: Mailbox[]): { kind: 'to' | 'cc' | 'bcc'; list: Mailbox[] }[] {
  const inHeader = (list: Mailbox[]) => new Set(list.map((m) => m.address.toLowerCase()));
  const to = inHeader(sub.to);
  const cc = inHeader(sub.cc);
  const envelope = sub.raw?.envelope ?? [];
  return [
    { kind: 'to', list: envelope.filter((m) => to.has(m.address.toLowerCase())) },
    { kind: 'cc', list: envelope.filter((m) => cc.has(m.address.toLowerCase())) },
    { kind: 'bcc', list: [...envelope, ...copies] },
  ];
}


/**
 * The submission as it will be stored and sent: a template named in it is rendered now (at
 * accept time), so the stored message is exactly what goes out; any template error is a 4xx
 * and nothing is queued.
 */
async function submission(ctx: CoreContext, input: unknown): Promise<Submission> {
  const req = templateRequest(input);
  return validateSubmission(input, req ? await renderTemplate(ctx, req) : undefined);
}

/** A submission (as POST /messages takes it) validated, rendered and with its text part: what composeOutbound takes. */
export async function prepareSubmission(ctx: CoreContext, input: unknown): Promise<Submission> {
  return withText(ctx, await submission(ctx, input));
}

/**
 * HTML without a text part gets one derived from it: mail with HTML only is what spam filters
 * and text-only readers hold against a sender. The text part is a convenience: if the engine
 * cannot convert the HTML (too big for its limits, or its render threads failing under load),
 * the message goes out as it was given rather than being refused.
 */
async function withText(ctx: CoreContext, sub: Submission): Promise<Submission> {
  if (sub.html === undefined || sub.text !== undefined) return sub;
  try {
    return withDerivedText(sub, await ctx.templates.engine.textFromHtml(sub.html));
  } catch (err) {
    // The engine reports every failure as a MailroomError (a limit, a failed thread): none is the sender's.
    if (err instanceof MailroomError) return sub;
    throw err;
  }
}

export interface MessageDetail extends MessageRecord {
  recipients: RecipientRecord[];
  attempts: AttemptRecord[];
  /** The event (and the rule) this message was made for; null when an application sent it itself. */
  event: { eventId: string; ruleId: string } | null;
  /** Inbound messages linked to this one (replies, bounces, auto-replies, complaints), oldest first. */
  linked: MessageRecord[];
  /** A confirmed test email as it reads now ("timeout" once pending for too long, "reader_failing" with the reader's error); null for other messages. */
  confirmationNow: ConfirmationNow;
}

export async function getMessage(ctx: CoreContext, id: string): Promise<MessageDetail> {
  const repos = ctx.store.repos;
  const m = await repos.messages.get(id);
  if (!m) throw notFound('message', id);
  const [recipients, attempts, event, linked] = await Promise.all([
    repos.messages.recipients(id),
    repos.messages.attempts(id),
    m.source === 'notify' ? repos.notifyEvents.eventOfMessage(id) : undefined,
    m.direction === 'out' ? repos.inbound.linked(id) : Promise.resolve([]),
  ]);
  return { ...m, recipients, attempts, event: event ?? null, linked, confirmationNow: confirmationAt(m, ctx.clock.now(), await readerTrouble(ctx, [m])) };
}

/** Parses a filter as the API and the CLI give it (strings; statuses comma-separated). */
export function parseFilter(input: unknown): MessageFilter {
  const d = doc('filter', input ?? {});
  onlyKeys('filter', d, ['status', 'purpose', 'accountId', 'q', 'recipient', 'to', 'since', 'until', 'direction', 'read', 'kind']);
  // An empty value asks for nothing; taken as absent, a bulk action's filter matched every message.
  for (const [field, v] of Object.entries(d)) refuseEmpty(field, Array.isArray(v) && v.length === 0 ? '' : v, 'leave the field out instead');
  const statuses = d.status === undefined ? undefined : Array.isArray(d.status) ? commaList('status', d.status.map(String).join(',')) : commaList('status', String(d.status));
  for (const s of statuses ?? []) if (!(MESSAGE_STATUSES as readonly string[]).includes(s)) throw notAllowed('status', `"${s}" is not a status; use ${MESSAGE_STATUSES.join(', ')}`, MESSAGE_STATUSES);
  // `to` is another name for `recipient`: both with different values would drop one unseen.
  if (d.recipient !== undefined && d.to !== undefined && d.recipient !== d.to) throw invalid('to', 'is another name for recipient: give one of them');
  const direction = optStr('direction', d.direction);
  if (direction && direction !== 'in' && direction !== 'out') throw invalid('direction', 'must be "in" or "out"');
  const purpose = optStr('purpose', d.purpose, { max: 64 });
  return {
    status: statuses as MessageStatus[] | undefined,
    purpose: purpose === undefined ? undefined : messagePurpose('purpose', purpose),
    accountId: accountIdFilter(d.accountId),
    q: optStr('q', d.q, { max: 200 }),
    recipient: recipientFilter(d.recipient !== undefined ? 'recipient' : 'to', d.recipient ?? d.to),
    ...parseTimeRange(d.since, d.until),
    direction: direction as MessageFilter['direction'],
    read: flagText('read', d.read),
    kind: d.kind === undefined ? undefined : oneOf('kind', d.kind, INBOUND_KINDS),
  };
}

/**
 * The log's recipient filter matches whole addresses as Mailroom stores them (lower-cased
 * compare, the domain in ASCII), so the address is parsed as a recipient is: `ann@bücher.example`
 * finds the message sent to it, and what no recipient can be (`ann`, `Ann <ann@…>`) is refused
 * instead of matching nothing.
 */
function recipientFilter(field: string, v: unknown): string | undefined {
  const text = optStr(field, v, { max: 320 });
  if (text === undefined) return undefined;
  const m = parseMailbox(field, text.trim());
  if (m.name) throw invalid(field, 'give the address alone (ann@example.com), without a display name: the filter matches whole addresses');
  return m.address;
}

function accountIdFilter(v: unknown): string | undefined {
  const id = optStr('accountId', v, { max: 40 });
  assertIdFilter('accountId', 'acc', 'an account', id);
  return id;
}

/** A yes/no filter as a query string gives it ("true" / "false"); undefined when absent. */
function flagText(field: string, v: unknown): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw invalid(field, 'must be "true" or "false"');
}

export async function listMessages(ctx: CoreContext, query: MessageQuery) {
  assertCursor('msg', query.cursor);
  return ctx.store.repos.messages.list(query);
}

/** How far back the outbox status counts messages that ended failed or expired. */
export const ENDED_WINDOW_MS = 24 * 3600 * 1000;

export interface OutboxStatus {
  /** The server's clock when counted: ages below are measured from it, not the reader's clock. */
  at: number;
  queued: number;
  deferred: number;
  sending: number;
  /** When the longest-waiting due message (queued or deferred) became due; null when none is due. */
  oldestDueAt: number | null;
  /** How long that message has waited, in whole seconds; 0 when none is due. */
  oldestDueSeconds: number;
  failedLast24h: number;
  expiredLast24h: number;
}

/** The outbox at a glance (the email log's status strip): what waits, how long, what gave up lately. */
export async function outboxStatus(ctx: CoreContext): Promise<OutboxStatus> {
  const [counted, ended] = await Promise.all([ctx.queueCounts.get(), ctx.store.repos.messages.endedSince(ctx.clock.now() - ENDED_WINDOW_MS)]);
  const { at: now, stats: queue } = counted;
  return {
    at: now,
    queued: queue.queued,
    deferred: queue.deferred,
    sending: queue.sending,
    oldestDueAt: queue.oldestDueAt,
    oldestDueSeconds: queue.oldestDueAt === null ? 0 : Math.max(0, Math.floor((now - queue.oldestDueAt) / 1000)),
    failedLast24h: ended.failed,
    expiredLast24h: ended.expired,
  };
}

function stateError(m: MessageRecord, action: string, allowed: readonly MessageStatus[]): MailroomError {
  return new MailroomError(ErrorCodes.INVALID_STATE, `message ${m.id} is ${m.status}; only ${allowed.join(', ')} messages can be ${action}`, { status: m.status });
}

/**
 * When a retried message is attempted and when it expires. A message scheduled for later (a
 * scheduled report cancelled, then retried to undo that) keeps its sendAt: a retry never sends
 * mail before the moment it was accepted for. It gets its original lifetime again, counted from
 * that attempt, never expiring earlier than before.
 */
function retriedSchedule(m: Pick<MessageRecord, 'lifetimeMs' | 'expireAt' | 'sendAt'>, now: number): { nextAttemptAt: number; expireAt: number } {
  const nextAttemptAt = Math.max(m.sendAt, now);
  // Not expireAt − sendAt alone: an earlier retry moved expireAt, and each retry would stretch the lifetime further.
  const lifetime = Math.max(m.lifetimeMs ?? m.expireAt - m.sendAt, 60_000);
  return { nextAttemptAt, expireAt: Math.max(m.expireAt, Math.min(nextAttemptAt + lifetime, LAST_INSTANT)) };
}

/** Queues retryable messages among `ids` again, in the caller's transaction; the events of those that moved. */
async function requeue(r: Repositories, ids: readonly string[], now: number): Promise<MessageEvent[]> {
  // One statement per distinct schedule: after an outage most messages share their lifetime, so a
  // chunk is one or two statements, not one per message.
  const bySchedule = new Map<string, { schedule: { nextAttemptAt: number; expireAt: number }; ids: string[] }>();
  for (const m of await r.messages.summaries(ids)) {
    if (!RETRYABLE.includes(m.status)) continue;
    const schedule = retriedSchedule(m, now);
    const key = `${schedule.nextAttemptAt}:${schedule.expireAt}`;
    const group = bySchedule.get(key) ?? bySchedule.set(key, { schedule, ids: [] }).get(key)!;
    group.ids.push(m.id);
  }
  const moved: string[] = [];
  for (const { schedule, ids: group } of bySchedule.values()) {
    moved.push(...(await r.messages.transition(group, RETRYABLE, { status: 'queued', ...schedule, lastError: null, now, resetRecipients: true })));
  }
  return moved.map((messageId) => ({ type: 'message.retried', messageId, at: now }));
}

/** Cancels the queued or deferred messages among `ids` in the caller's transaction, their events journaled there. */
async function cancelIn(r: Repositories, actor: Actor, ids: readonly string[], now: number): Promise<MessageEvent[]> {
  const reason = `cancelled by ${actor.label}`;
  const moved = await r.messages.transition(ids, CANCELLABLE, { status: 'cancelled', now, lastError: reason });
  const events = (await r.messages.summaries(moved)).map(
    (m): MessageEvent => ({ type: 'message.cancelled', messageId: m.id, at: now, reason, facts: { purpose: m.purpose, idempotencyKey: m.idempotencyKey, attemptCount: m.attemptCount, recipients: [] } }),
  );
  await journal(r.eventJournal, events);
  return events;
}

type BulkAction = 'retry' | 'cancel';

/**
 * Retries or cancels `ids` in one transaction (the group commit's: it shares its commit with
 * concurrent accepts); publishes the events once committed; how many changed. Each message is
 * looked at inside the transaction: one that changed since the caller read it is skipped.
 */
async function act(ctx: CoreContext, actor: Actor, ids: readonly string[], action: BulkAction): Promise<number> {
  const now = ctx.clock.now();
  const events = await ctx.store.grouped((r) => (action === 'retry' ? requeue(r, ids, now) : cancelIn(r, actor, ids, now)));
  ctx.events.publish(...events);
  return events.length;
}

/**
 * A manual retry. The message gets its original lifetime again, counted from now (an expired
 * message would otherwise expire at once); the answer says when it expires now and whether
 * that is later than before, so nobody is surprised by a message that keeps trying.
 */
export async function retryMessage(ctx: CoreContext, actor: Actor, id: string): Promise<{ message: MessageRecord; expiryExtended: boolean }> {
  const m = await ctx.store.repos.messages.get(id);
  if (!m) throw notFound('message', id);
  if (!(await act(ctx, actor, [id], 'retry'))) throw stateError((await ctx.store.repos.messages.get(id)) ?? m, 'retried', RETRYABLE);
  const after = (await ctx.store.repos.messages.get(id)) as MessageRecord;
  await audit(ctx.store.repos, ctx, actor, 'message.retry', { type: 'message', id }, { status: m.status, expireAt: m.expireAt }, { status: 'queued', expireAt: after.expireAt });
  return { message: after, expiryExtended: after.expireAt > m.expireAt };
}

export async function cancelMessage(ctx: CoreContext, actor: Actor, id: string): Promise<MessageRecord> {
  const m = await ctx.store.repos.messages.get(id);
  if (!m) throw notFound('message', id);
  const ok = await act(ctx, actor, [id], 'cancel');
  if (!ok) throw stateError((await ctx.store.repos.messages.get(id)) ?? m, 'cancelled', CANCELLABLE);
  await audit(ctx.store.repos, ctx, actor, 'message.cancel', { type: 'message', id }, { status: m.status }, { status: 'cancelled' });
  return (await ctx.store.repos.messages.get(id)) as MessageRecord;
}

/** Bulk actions touch at most this many messages per call; the answer says if more matched. */
export const BULK_LIMIT = 10_000;

export interface BulkOutcome {
  /** Messages changed. */
  count: number;
  /** More matched than one call takes: call again with `next` as the cursor for the rest. */
  more: boolean;
  /**
   * Where the next call goes on (the id of the last message this one handled); null when
   * nothing was left. Without it a repeated call starts from the oldest match again: a retry
   * whose messages failed again (deferred, matching again) took the same ones every time.
   */
  next: string | null;
}

export interface BulkCancelOutcome extends BulkOutcome {
  /**
   * Matching messages a worker had claimed already (`sending`, up to BULK_LIMIT counted):
   * not cancelled, their attempt goes ahead. One that comes back deferred can be cancelled then.
   */
  sending: number;
}

/** A bulk call's `cursor`: the `next` of the call before, a message id. */
function bulkCursor(input: unknown): string | undefined {
  const cursor = optStr('cursor', input);
  if (cursor !== undefined && !isId('msg', cursor)) throw invalid('cursor', 'is not a cursor a bulk call returned (pass its `next` as it was, or leave it out to start from the oldest match)');
  return cursor;
}

async function bulk(ctx: CoreContext, actor: Actor, filterInput: unknown, action: BulkAction, cursorInput?: unknown): Promise<BulkOutcome> {
  const filter = parseFilter(filterInput);
  const cursor = bulkCursor(cursorInput);
  const allowed = action === 'retry' ? RETRYABLE : CANCELLABLE;
  const statuses = filter.status ? filter.status.filter((s) => allowed.includes(s)) : [...allowed];
  if (!statuses.length) throw invalid('filter.status', `only ${allowed.join(', ')} messages can be ${action === 'retry' ? 'retried' : 'cancelled'}`);
  // Oldest first from after the cursor: a message this pass already handled is not taken again,
  // even when it matches again (retried, failed again: deferred again).
  const ids = await ctx.store.repos.messages.ids({ ...filter, status: statuses }, BULK_LIMIT + 1, cursor);
  const taken = ids.slice(0, BULK_LIMIT);
  const more = ids.length > BULK_LIMIT;
  const next = more ? (taken[taken.length - 1] as string) : null;
  const count = await sumOverChunks(taken, (chunk) => act(ctx, actor, chunk, action));
  await audit(ctx.store.repos, ctx, actor, `message.bulk_${action}`, { type: 'message', id: null }, undefined, { filter: filterInput ?? {}, ...(cursor ? { cursor } : {}), count, more });
  return { count, more, next };
}

export const retryMessages = (ctx: CoreContext, actor: Actor, filter: unknown, cursor?: unknown): Promise<BulkOutcome> => bulk(ctx, actor, filter, 'retry', cursor);

/**
 * A bulk cancel, and how many matching messages it could not stop: claimed by a worker
 * (`sending`), their attempt goes ahead. Counted after the cancel, over the whole filter (not
 * from the cursor): what is still being sent now. An operator stopping a wrong blast learns
 * that some of it goes out anyway instead of reading "0 cancelled" as "nothing matched".
 */
export async function cancelMessages(ctx: CoreContext, actor: Actor, filterInput: unknown, cursor?: unknown): Promise<BulkCancelOutcome> {
  const outcome = await bulk(ctx, actor, filterInput, 'cancel', cursor);
  const filter = parseFilter(filterInput);
  const askedSending = !filter.status || filter.status.includes('sending');
  const sending = askedSending ? ((await ctx.store.repos.messages.countByStatus({ ...filter, status: ['sending'] }, BULK_LIMIT)).sending ?? 0) : 0;
  return { ...outcome, sending };
}

/** An admin marks a received message read or unread (the inbox's unread count follows). */
export async function markRead(ctx: CoreContext, id: string, read: boolean): Promise<MessageRecord> {
  const m = await ctx.store.repos.messages.get(id);
  if (!m) throw notFound('message', id);
  if (m.direction !== 'in') throw new MailroomError(ErrorCodes.INVALID_STATE, `message ${id} was sent by Mailroom; only received messages have a read status`, { direction: m.direction });
  await ctx.store.repos.inbound.setRead(id, read, ctx.clock.now());
  return (await ctx.store.repos.messages.get(id)) as MessageRecord;
}
