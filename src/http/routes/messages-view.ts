import { confirmationAt, NO_READER_TROUBLE, type ReaderTrouble } from '../../core/inbound/confirmation.js';
import { displayMailbox } from '../../core/outbox/messages.js';
import type { MessageDetail } from '../../core/outbox/messages.service.js';
import type { MessageListRecord } from '../../core/outbox/ports.js';

/**
 * A message as the log list shows it: no bodies, no lease internals. `now` decides whether a
 * pending confirmation has timed out, `trouble` whether its account's reader fails (the store
 * keeps only pending/confirmed/bounced).
 */
export function messageSummary(m: MessageListRecord, now: number, trouble: ReaderTrouble = NO_READER_TROUBLE) {
  return {
    id: m.id,
    direction: m.direction,
    status: m.status,
    purpose: m.purpose || null,
    priority: m.priority,
    accountId: m.accountId,
    serverId: m.serverId,
    from: displayMailbox(m.from),
    to: m.to.map(displayMailbox),
    cc: m.cc.map(displayMailbox),
    bcc: m.bcc.map(displayMailbox),
    replyTo: m.replyTo,
    subject: m.subject,
    sizeBytes: m.sizeBytes,
    attemptCount: m.attemptCount,
    lastError: m.lastError,
    source: m.source,
    createdBy: m.createdBy,
    idempotencyKey: m.idempotencyKey,
    messageIdHeader: m.messageIdHeader,
    sendAt: m.sendAt,
    nextAttemptAt: ['queued', 'deferred'].includes(m.status) ? m.nextAttemptAt : null,
    expireAt: m.expireAt,
    sentAt: m.sentAt,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
    possibleDuplicate: m.possibleDuplicate,
    /** Recipients refused for good; with status "sent" the message was partly delivered. */
    rejectedCount: m.rejectedCount,
    /** What to change about the last attempt's failure, in plain words; null when none applies. */
    hint: m.lastHint,
    /** Received mail: read by an admin; what it is; the outbound message it answers or bounces. */
    read: m.direction === 'in' ? m.read : null,
    kind: m.kind,
    inReplyTo: m.inReplyTo,
    /**
     * A confirmed test email: pending, confirmed, bounced, timeout or reader_failing; null for
     * every other message. confirmationError: why it cannot be confirmed now (reader_failing:
     * the account's IMAP reader's error), else null.
     */
    ...confirmationAt(m, now, trouble),
  };
}

/** One message in full: bodies, headers, routing, every recipient's outcome and every attempt. */
export function messageDetail(m: MessageDetail, now: number) {
  return {
    ...messageSummary(m, now),
    envelopeFrom: m.envelopeFrom,
    text: m.text,
    html: m.html,
    headers: m.headers,
    rawBytes: m.raw ? m.raw.byteLength : null,
    // Attachment content can be megabytes: the detail names them; the content stays in the store.
    template: m.template,
    attachments: m.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, sizeBytes: a.sizeBytes ?? Math.floor((a.contentBase64.length * 3) / 4) })),
    routing: { accountId: m.routing.accountId, serverId: m.routing.serverId, reason: m.routing.reason, reasonCode: m.routing.reasonCode ?? null, failoverAccountIds: m.routing.failoverAccountIds },
    recipients: m.recipients.map((r) => ({ address: r.address, kind: r.kind, status: r.status, code: r.code, enhancedCode: r.enhancedCode, response: r.response, updatedAt: r.updatedAt })),
    event: m.event,
    replyText: m.replyText ?? null,
    ...m.confirmationNow,
    replies: m.linked.filter((l) => l.kind !== 'bounce').map((l) => messageSummary(l, now)),
    bounces: m.linked.filter((l) => l.kind === 'bounce').map((l) => messageSummary(l, now)),
    attempts: m.attempts.map((a) => ({ at: a.at, durationMs: a.durationMs, accountId: a.accountId, serverId: a.serverId, outcome: a.outcome, code: a.code, enhancedCode: a.enhancedCode, response: a.response, possibleDuplicate: a.possibleDuplicate !== null, possibleDuplicateReason: a.possibleDuplicate, hint: a.hint, routes: a.routes ?? null })),
  };
}
