import { CompiledQuery, type Kysely } from 'kysely';
import type { JournalEntry } from '../../core/kernel/event-journal.js';
import type { AttemptWrite, MessageRecord, RecipientRecord } from '../../core/outbox/ports.js';
import type { Repositories } from '../../core/ports.js';
import type { Suppression } from '../../core/inbound/suppressions.js';
import { coalesce } from '../coalescer.js';
import { inJsonField, notAnIndexCondition } from '../json-list.js';
import { ATTEMPT_COLUMNS, MESSAGE_COLUMNS, RECIPIENT_COLUMNS, attemptRow, completedRecipientRow, recipientRow, toRow } from '../repositories/messages.repository.js';
import type { DB } from '../schema.js';

/**
 * The outbox's writes of one group-commit batch as a few multi-row statements on PostgreSQL,
 * instead of several statements per message: every statement is a round trip and a parse,
 * bind and execute on the server, and with hundreds of messages a second those, not the rows,
 * were the cost (7.5 statements per message, ~1.7 ms of server CPU each message).
 *
 * The rows travel as one JSON array and `json_populate_recordset(null::table, …)` turns them
 * into rows of the table's own type: one statement text whatever the row count, every value
 * converted by its column's own input function (numbers, text, `\x…` hex for bytea). The
 * updates also name their rows' keys as an index condition (inJsonField, json-list.ts): joined
 * to the record set alone, the planner scanned the whole table for every batch.
 *
 * The group commit runs a batch's jobs concurrently on its one connection (GroupCommit's
 * `concurrent`), so their calls meet in the coalescer (coalescer.ts).
 */
export function batchedOutboxWrites(trx: Kysely<DB>, repos: Repositories): Repositories {
  const run = (text: string, rows: unknown[]) => trx.executeQuery<{ id: string }>(CompiledQuery.raw(text, [JSON.stringify(rows)]));

  const insert = coalesce<{ message: MessageRecord; recipients: RecipientRecord[] }, void>(async (items) => {
    await run(INSERT_MESSAGES, items.map((i) => binaryAsHex(toRow(i.message))));
    const recipients = items.flatMap((i) => i.recipients.map(recipientRow));
    if (recipients.length) await run(INSERT_RECIPIENTS, recipients);
    return items.map(() => undefined);
  });

  const complete = coalesce<AttemptWrite, boolean>(async (writes) => {
    const updated = await run(
      COMPLETE_MESSAGES,
      writes.map((w) => ({
        id: w.messageId,
        lease_owner: w.leaseOwner,
        status: w.status,
        next_attempt_at: w.nextAttemptAt,
        attempt_count: w.attemptCount,
        last_error: w.lastError,
        last_hint: w.attempt?.hint ?? null,
        sent_at: w.sentAt,
        account_id: w.accountId,
        server_id: w.serverId,
        updated_at: w.now,
        possible_duplicate: w.attempt?.possibleDuplicate ? 1 : 0,
      })),
    );
    // A write whose lease was lost changed nothing, and nothing else of it may be written.
    const done = new Set(updated.rows.map((r) => r.id));
    const kept = writes.filter((w) => done.has(w.messageId));
    const recipients = kept.flatMap((w) => w.recipients.map((r) => completedRecipientRow(w, r)));
    if (recipients.length) await run(COMPLETE_RECIPIENTS, recipients);
    // Only when an attempt refused someone (rare): count every refusal of the message so far.
    const refused = kept.filter((w) => w.recipients.some((r) => r.status === 'rejected'));
    if (refused.length) await run(COUNT_REJECTED, refused.map((w) => ({ id: w.messageId })));
    const attempts = kept.flatMap((w) => (w.attempt ? [attemptRow(w.attempt)] : []));
    if (attempts.length) await run(INSERT_ATTEMPTS, attempts);
    return writes.map((w) => done.has(w.messageId));
  });

  const append = coalesce<{ entries: readonly JournalEntry[]; pending: number }, void>(async (calls) => {
    const rows = calls.flatMap((c) => c.entries.map((e) => ({ id: e.id, type: e.type, message_id: e.messageId, at: e.at, data: e.data, pending: c.pending })));
    if (rows.length) await run(INSERT_JOURNAL, rows);
    return calls.map(() => undefined);
  });

  return {
    ...repos,
    messages: { ...repos.messages, insert: (message, recipients) => insert({ message, recipients }), completeAttempt: complete },
    eventJournal: { ...repos.eventJournal, append: async (entries, opts) => (entries.length ? append({ entries, pending: opts?.read ? 0 : 1 }) : undefined) },
  };
}

/**
 * Suppression look-ups of concurrent callers as one query: every message accepted asks whether
 * its recipients are on the list, in its group-commit batch's transaction (one look-up per
 * batch), and messages planned outside it (an event's rules) in the same turn share one too.
 */
export function batchedSuppressionLookups(repos: Repositories): Repositories {
  const active = coalesce<{ addresses: readonly string[]; now: number }, Suppression[]>(async (calls) => {
    // One `now` for all: the calls of one turn are microseconds apart.
    const now = Math.min(...calls.map((c) => c.now));
    const found = await repos.suppressions.active([...new Set(calls.flatMap((c) => c.addresses))], now);
    const byAddress = new Map(found.map((s) => [s.address, s]));
    return calls.map((c) => c.addresses.flatMap((a) => byAddress.get(a) ?? []));
  });
  return { ...repos, suppressions: { ...repos.suppressions, active: (addresses, now) => active({ addresses, now }) } };
}

/** A relayed message's raw MIME as PostgreSQL's bytea hex text (JSON has no bytes). */
function binaryAsHex(row: ReturnType<typeof toRow>): unknown {
  return row.raw_mime ? { ...row, raw_mime: `\\x${Buffer.from(row.raw_mime.buffer, row.raw_mime.byteOffset, row.raw_mime.byteLength).toString('hex')}` } : row;
}

const columns = (names: readonly string[]) => names.map((c) => `"${c}"`).join(', ');
const JOURNAL_COLUMNS = ['id', 'type', 'message_id', 'at', 'data', 'pending'];
const insertRows = (table: string, names: readonly string[]) =>
  `insert into "${table}" (${columns(names)}) select ${columns(names)} from json_populate_recordset(null::"${table}", $1::json)`;

const INSERT_MESSAGES = insertRows('messages', MESSAGE_COLUMNS);
const INSERT_RECIPIENTS = insertRows('message_recipients', RECIPIENT_COLUMNS);
const INSERT_ATTEMPTS = insertRows('attempts', ATTEMPT_COLUMNS);
const INSERT_JOURNAL = insertRows('event_journal', JOURNAL_COLUMNS);
// Same conditions as the one-row statement in messages.repository.ts: only the lease holder
// completes a message still being sent; possible_duplicate is sticky.
const COMPLETE_MESSAGES = `update "messages" as m set "status" = v."status", "next_attempt_at" = v."next_attempt_at", "attempt_count" = v."attempt_count",
  "last_error" = v."last_error", "last_hint" = v."last_hint", "sent_at" = v."sent_at", "account_id" = v."account_id", "server_id" = v."server_id",
  "lease_owner" = null, "lease_until" = null, "updated_at" = v."updated_at",
  "possible_duplicate" = case when v."possible_duplicate" = 1 then 1 else m."possible_duplicate" end
  from json_populate_recordset(null::"messages", $1::json) as v
  where m."id" = v."id" and ${inJsonField('m."id"', '$1', 'id')} and m."lease_owner" = v."lease_owner" and ${notAnIndexCondition(`m."status" = 'sending'`)}
  returning m."id"`;
const COMPLETE_RECIPIENTS = `update "message_recipients" as r set "status" = v."status", "code" = v."code", "enhanced_code" = v."enhanced_code", "response" = v."response", "updated_at" = v."updated_at"
  from json_populate_recordset(null::"message_recipients", $1::json) as v
  where r."message_id" = v."message_id" and r."address" = v."address" and ${inJsonField('r."message_id"', '$1', 'message_id')}`;
const COUNT_REJECTED = `update "messages" as m set "rejected_count" = (select count(*) from "message_recipients" r where r."message_id" = m."id" and r."status" = 'rejected')
  from json_populate_recordset(null::"messages", $1::json) as v where m."id" = v."id" and ${inJsonField('m."id"', '$1', 'id')}`;

/** The batched outcome's updates, for the tests that check their plans. */
export const OUTCOME_UPDATES = { messages: COMPLETE_MESSAGES, recipients: COMPLETE_RECIPIENTS, rejectedCount: COUNT_REJECTED } as const;
